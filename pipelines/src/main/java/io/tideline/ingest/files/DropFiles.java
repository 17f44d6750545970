/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.files;

import io.tideline.config.SourceConfig;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.Path;

/**
 * Which files of a drop folder are read, and in which format. A file still being written must carry
 * a temporary name (by default starting with {@code .} or {@code _}, or ending with {@code .tmp},
 * {@code .part} or {@code .inprogress}; {@code temporary-names} sets the globs) and be renamed when
 * complete, which is atomic on every file system. The format is the source's {@code format} when it
 * has one, else the extension ({@code .csv}; {@code .jsonl}, {@code .json}, {@code .ndjson}), after
 * an optional {@code .gz} (read through gzip).
 */
public final class DropFiles implements Predicate<Path>, Serializable {

    private static final long serialVersionUID = 1L;

    /** The formats of a drop folder. */
    public enum Format {
        CSV,
        JSONL
    }

    private final List<String> formats;
    private final String forced;
    private final List<Pattern> temporary;

    public DropFiles(SourceConfig source) {
        this(
                source.formats(),
                source.kind() == SourceConfig.Kind.FILES ? source.format() : null,
                source.temporaryNames());
    }

    public DropFiles(List<String> formats, String forced, List<String> temporaryNames) {
        this.formats = List.copyOf(formats);
        this.forced = forced;
        List<Pattern> t = new ArrayList<>();
        for (String glob : temporaryNames) {
            t.add(glob(glob));
        }
        this.temporary = t;
    }

    private static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toLowerCase(Locale.ROOT).toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    /** Whether a name is a temporary one (a file still being written). */
    public boolean inProgress(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (Pattern p : temporary) {
            if (p.matcher(n).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Whether the file is gzipped ({@code .gz}). */
    public static boolean gzipped(String name) {
        return name.toLowerCase(Locale.ROOT).endsWith(".gz");
    }

    /** The format of a file name, or null when the source does not read it. */
    public Format formatOf(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz")) {
            n = n.substring(0, n.length() - 3);
        }
        String f = forced;
        if (f == null) {
            if (n.endsWith(".csv")) {
                f = "csv";
            } else if (n.endsWith(".jsonl") || n.endsWith(".json") || n.endsWith(".ndjson")) {
                f = "jsonl";
            } else {
                return null;
            }
            if (!formats.contains(f)) {
                return null;
            }
        }
        return f.equals("csv") ? Format.CSV : Format.JSONL;
    }

    @Override
    public boolean test(Path path) {
        String name = path.getName();
        if (inProgress(name)) {
            return false;
        }
        try {
            if (path.getFileSystem().getFileStatus(path).isDir()) {
                // The enumeration is recursive and asks about folders too: enter them.
                return true;
            }
        } catch (IOException e) {
            return false;
        }
        return formatOf(name) != null;
    }
}
