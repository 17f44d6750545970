/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The folder billing exports are dropped into ({@code sources.orders}). A file is read once, when
 * it appears; files whose names start with {@code .} or {@code _}, or end with {@code .tmp}, {@code
 * .part} or {@code .inprogress}, are still being written and are skipped until renamed.
 *
 * @param enabled whether the orders are ingested
 * @param folder the drop folder; relative paths start at the configuration file's folder
 * @param formats the file formats read: {@code csv} (a header line, then one order per line) and
 *     {@code jsonl} (one JSON object per line, {@code .jsonl}, {@code .json} or {@code .ndjson})
 * @param monitorInterval how often a STREAMING job looks for new files
 */
public record OrdersSourceConfig(
        Boolean enabled, String folder, List<DropFormat> formats, Duration monitorInterval) {

    /** The file formats of the drop folder, recognised by file extension. */
    public enum DropFormat {
        CSV,
        JSONL
    }

    public OrdersSourceConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
        folder = folder == null ? "drops/orders" : folder;
        formats =
                formats == null ? List.of(DropFormat.CSV, DropFormat.JSONL) : List.copyOf(formats);
        monitorInterval = monitorInterval == null ? Duration.ofSeconds(5) : monitorInterval;
    }

    /** The folder as a path (absolute once the configuration is loaded). */
    public Path folderPath() {
        return Path.of(folder);
    }

    void validate(Problems problems) {
        problems.require(!folder.isBlank(), "folder", "expected a folder path, got ''");
        problems.require(
                !formats.isEmpty(), "formats", "expected at least one of [csv, jsonl], got []");
        Durations.requireAtLeast(
                problems, "monitor-interval", monitorInterval, Duration.ofMillis(100));
    }

    OrdersSourceConfig resolvePaths(Path baseDir) {
        if (folder.isBlank() || folder.contains("://")) {
            return this;
        }
        return new OrdersSourceConfig(
                enabled, baseDir.resolve(folder).normalize().toString(), formats, monitorInterval);
    }
}
