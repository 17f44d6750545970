/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A container image saved as a Docker archive (what {@code jib:buildTar} writes): its {@code
 * manifest.json} names the image and its layers, each layer a (gzipped) tar of files.
 */
record ImageTar(List<String> repoTags, List<String> files) {

    static ImageTar read(Path tar) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(tar))) {
            entries(in, (name, data) -> entries.put(name, data.get()));
        }
        JsonNode manifest = new ObjectMapper().readTree(entries.get("manifest.json")).get(0);
        List<String> tags = new ArrayList<>();
        manifest.path("RepoTags").forEach(t -> tags.add(t.asText()));
        List<String> files = new ArrayList<>();
        for (JsonNode layer : manifest.path("Layers")) {
            byte[] bytes = entries.get(layer.asText());
            InputStream in = new ByteArrayInputStream(bytes);
            if (bytes.length > 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
                in = new GZIPInputStream(in);
            }
            entries(in, (name, data) -> files.add(name.startsWith("/") ? name.substring(1) : name));
        }
        return new ImageTar(tags, files);
    }

    interface Entry {
        void accept(String name, Content data) throws IOException;
    }

    interface Content {
        byte[] get() throws IOException;
    }

    /** A minimal reader of ustar/GNU tar: names (with the GNU long-name extension) and contents. */
    private static void entries(InputStream in, Entry entry) throws IOException {
        byte[] header = new byte[512];
        String longName = null;
        while (in.readNBytes(header, 0, 512) == 512) {
            if (header[0] == 0) {
                return;
            }
            String name = text(header, 0, 100);
            String prefix = text(header, 345, 155);
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
            long size =
                    Long.parseLong(
                            text(header, 124, 12).trim().isEmpty()
                                    ? "0"
                                    : text(header, 124, 12).trim(),
                            8);
            char type = (char) header[156];
            byte[] data = in.readNBytes((int) size);
            long pad = (512 - size % 512) % 512;
            in.skipNBytes(pad);
            if (type == 'L') {
                longName = new String(data, StandardCharsets.UTF_8).trim();
                continue;
            }
            if (longName != null) {
                name = longName;
                longName = null;
            }
            if (name.startsWith("./")) {
                name = name.substring(2);
            }
            entry.accept(name, () -> data);
        }
    }

    private static String text(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }
}
