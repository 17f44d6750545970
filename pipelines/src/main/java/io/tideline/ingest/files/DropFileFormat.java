/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.files;

import io.tideline.config.OrdersSourceConfig.DropFormat;
import io.tideline.ingest.RawRecord;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.IteratorResultIterator;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Reads a drop file as raw records, one per non-blank line: a CSV file's first line is its header
 * (carried with each record), a JSON-lines file has none. Each record knows its file (relative to
 * the drop folder) and line, and the file's modification time as its ingestion time. Files are not
 * split; the checkpointed position is the number of records already emitted, so a restored reader
 * skips exactly those.
 *
 * <p>Lines are read as bytes, so invalid UTF-8 reaches validation (and the quarantine) intact.
 */
public final class DropFileFormat implements BulkFormat<RawRecord, FileSourceSplit> {

    private static final long serialVersionUID = 1L;
    private static final int BATCH = 500;

    private final String root;
    private final DropFiles files;

    /**
     * @param root the drop folder, to name files relative to it
     * @param files which formats are read
     */
    public DropFileFormat(String root, DropFiles files) {
        this.root = new Path(root).toUri().getPath();
        this.files = files;
    }

    @Override
    public Reader<RawRecord> createReader(Configuration config, FileSourceSplit split)
            throws IOException {
        return new LineReader(split, 0);
    }

    @Override
    public Reader<RawRecord> restoreReader(Configuration config, FileSourceSplit split)
            throws IOException {
        long skip =
                split.getReaderPosition()
                        .map(CheckpointedPosition::getRecordsAfterOffset)
                        .orElse(0L);
        return new LineReader(split, skip);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }

    private final class LineReader implements BulkFormat.Reader<RawRecord> {

        private final InputStream in;
        private final DropFormat format;
        private final String name;
        private final long ingestionTime;
        private String header;
        private long line;
        private long emitted;
        private boolean done;

        LineReader(FileSourceSplit split, long skip) throws IOException {
            Path path = split.path();
            String full = path.toUri().getPath();
            this.name = full.startsWith(root + "/") ? full.substring(root.length() + 1) : full;
            this.format = files.formatOf(path.getName());
            FileSystem fs = path.getFileSystem();
            long mtime = split.fileModificationTime();
            this.ingestionTime = mtime > 0 ? mtime : fs.getFileStatus(path).getModificationTime();
            this.in = new BufferedInputStream(fs.open(path), 64 * 1024);
            if (format == null) {
                done = true;
                return;
            }
            if (format == DropFormat.CSV) {
                byte[] first = nextLine();
                header = first == null ? null : new String(first, StandardCharsets.UTF_8);
                if (header == null || header.isBlank()) {
                    done = true;
                }
            }
            while (emitted < skip && !done) {
                if (nextRecord() == null) {
                    done = true;
                }
            }
        }

        /** The next non-blank line as a record, or null at the end of the file. */
        private RawRecord nextRecord() throws IOException {
            while (true) {
                byte[] bytes = nextLine();
                if (bytes == null) {
                    return null;
                }
                if (isBlank(bytes)) {
                    continue;
                }
                emitted++;
                return new RawRecord("orders", name + ":" + line, ingestionTime, bytes, header);
            }
        }

        private byte[] nextLine() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
            int b;
            boolean any = false;
            while ((b = in.read()) != -1) {
                any = true;
                if (b == '\n') {
                    break;
                }
                buf.write(b);
            }
            if (!any) {
                return null;
            }
            line++;
            byte[] bytes = buf.toByteArray();
            int n = bytes.length;
            if (n > 0 && bytes[n - 1] == '\r') {
                return java.util.Arrays.copyOf(bytes, n - 1);
            }
            return bytes;
        }

        private boolean isBlank(byte[] bytes) {
            for (byte b : bytes) {
                if (b != ' ' && b != '\t') {
                    return false;
                }
            }
            return true;
        }

        @Override
        public RecordIterator<RawRecord> readBatch() throws IOException {
            if (done) {
                return null;
            }
            long before = emitted;
            List<RawRecord> batch = new ArrayList<>(BATCH);
            while (batch.size() < BATCH) {
                RawRecord r = nextRecord();
                if (r == null) {
                    done = true;
                    break;
                }
                batch.add(r);
            }
            if (batch.isEmpty()) {
                return null;
            }
            return new IteratorResultIterator<>(
                    batch.iterator(), CheckpointedPosition.NO_OFFSET, before);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
