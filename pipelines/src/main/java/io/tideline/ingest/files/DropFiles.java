/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.files;

import io.tideline.config.OrdersSourceConfig.DropFormat;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.apache.flink.core.fs.Path;

/**
 * Which files of the drop folder are read, and in which format. A file still being written must
 * carry a temporary name (starting with {@code .} or {@code _}, or ending with {@code .tmp}, {@code
 * .part} or {@code .inprogress}) and be renamed when complete, which is atomic on every file
 * system: only then is it read, once.
 */
public final class DropFiles implements Predicate<Path>, Serializable {

    private static final long serialVersionUID = 1L;

    private final List<DropFormat> formats;

    public DropFiles(List<DropFormat> formats) {
        this.formats = List.copyOf(formats);
    }

    /** Whether a name is a temporary one (a file still being written). */
    public static boolean inProgress(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.startsWith(".")
                || n.startsWith("_")
                || n.endsWith(".tmp")
                || n.endsWith(".part")
                || n.endsWith(".inprogress");
    }

    /** The format of a file name, or null when the folder's formats do not include it. */
    public DropFormat formatOf(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        DropFormat f = null;
        if (n.endsWith(".csv")) {
            f = DropFormat.CSV;
        } else if (n.endsWith(".jsonl") || n.endsWith(".json") || n.endsWith(".ndjson")) {
            f = DropFormat.JSONL;
        }
        return f != null && formats.contains(f) ? f : null;
    }

    @Override
    public boolean test(Path path) {
        String name = path.getName();
        if (inProgress(name)) {
            return false;
        }
        if (formatOf(name) != null) {
            return true;
        }
        // The enumeration is recursive and asks about folders too: enter them.
        try {
            return path.getFileSystem().getFileStatus(path).isDir();
        } catch (IOException e) {
            return false;
        }
    }
}
