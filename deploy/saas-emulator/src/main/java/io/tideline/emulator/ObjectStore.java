/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.emulator;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The records of one object type in the emulator, by id, with lookups by property value kept in
 * indexes (built on first use), so that a million-record upsert stays linear. Not thread-safe: the
 * emulator serializes access.
 */
final class ObjectStore {

    private final Map<String, Map<String, Object>> objects = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> indexes = new HashMap<>();

    String find(String property, String value) {
        if (value == null) {
            return null;
        }
        return index(property).get(value);
    }

    boolean contains(String id) {
        return objects.containsKey(id);
    }

    void create(String id) {
        objects.put(id, new LinkedHashMap<>());
    }

    void set(String id, String property, Object value) {
        Map<String, Object> o = objects.get(id);
        Object old = o.put(property, value);
        Map<String, String> index = indexes.get(property);
        if (index != null) {
            if (old != null) {
                index.remove(String.valueOf(old), id);
            }
            if (value != null) {
                index.put(String.valueOf(value), id);
            }
        }
    }

    Map<String, Object> get(String id) {
        return objects.get(id);
    }

    void remove(String id) {
        Map<String, Object> o = objects.remove(id);
        if (o != null) {
            indexes.forEach(
                    (p, index) -> {
                        Object v = o.get(p);
                        if (v != null) {
                            index.remove(String.valueOf(v), id);
                        }
                    });
        }
    }

    Map<String, Map<String, Object>> snapshot() {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        objects.forEach((k, v) -> out.put(k, new LinkedHashMap<>(v)));
        return out;
    }

    Map<String, Map<String, Object>> view() {
        return objects;
    }

    private Map<String, String> index(String property) {
        return indexes.computeIfAbsent(
                property,
                p -> {
                    Map<String, String> index = new HashMap<>();
                    objects.forEach(
                            (id, o) -> {
                                Object v = o.get(p);
                                if (v != null) {
                                    index.put(String.valueOf(v), id);
                                }
                            });
                    return index;
                });
    }
}
