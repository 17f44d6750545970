/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.util.ArrayList;
import java.util.List;

/** Collects every problem of a configuration, so that one load reports all of them at once. */
public final class Problems {

    private final List<ConfigException.Problem> problems;
    private final String prefix;

    public Problems() {
        this(new ArrayList<>(), "");
    }

    private Problems(List<ConfigException.Problem> problems, String prefix) {
        this.problems = problems;
        this.prefix = prefix;
    }

    /** A view whose paths are below {@code key}, for example {@code at("kafka")}. */
    public Problems at(String key) {
        return new Problems(problems, prefix.isEmpty() ? key : prefix + "." + key);
    }

    /** A view for one element of a list, for example {@code at("bootstrap-servers").index(0)}. */
    public Problems index(int i) {
        return new Problems(problems, prefix + "[" + i + "]");
    }

    /** Records a problem at {@code key} below this view's path. */
    public void add(String key, String message) {
        String path = key.isEmpty() ? prefix : (prefix.isEmpty() ? key : prefix + "." + key);
        problems.add(new ConfigException.Problem(path, message));
    }

    /** Records a problem at this view's own path. */
    public void here(String message) {
        add("", message);
    }

    public void require(boolean condition, String key, String message) {
        if (!condition) {
            add(key, message);
        }
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    public List<ConfigException.Problem> list() {
        return List.copyOf(problems);
    }

    public void throwIfAny(String file) {
        if (!problems.isEmpty()) {
            throw new ConfigException(file, problems);
        }
    }
}
