/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.ingest.RawRecord;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How drop files become records: line ends, BOMs, gzip, limits, vanished and rewritten files. */
class DropFileFormatTest {

    @TempDir Path dir;

    private final DropFiles files =
            new DropFiles(
                    List.of("csv", "jsonl"),
                    null,
                    io.tideline.config.SourceConfig.DEFAULT_TEMPORARY_NAMES);

    private List<RawRecord> read(Path file, int maxRecordBytes) throws Exception {
        DropFileFormat format =
                new DropFileFormat("s", dir.toString(), files, true, maxRecordBytes, "UTF-8");
        List<FileSourceSplit> splits =
                new ArrayList<>(
                        new VersionedFiles(files)
                                .enumerateSplits(
                                        new org.apache.flink.core.fs.Path[] {
                                            new org.apache.flink.core.fs.Path(dir.toUri())
                                        },
                                        1));
        FileSourceSplit split =
                splits.stream()
                        .filter(
                                s ->
                                        VersionedFiles.plain(s.path().toUri().getPath())
                                                .endsWith(file.getFileName().toString()))
                        .findFirst()
                        .orElseThrow();
        return read(format, split);
    }

    private static List<RawRecord> read(DropFileFormat format, FileSourceSplit split)
            throws Exception {
        List<RawRecord> out = new ArrayList<>();
        try (BulkFormat.Reader<RawRecord> reader =
                format.createReader(new Configuration(), split)) {
            BulkFormat.RecordIterator<RawRecord> batch;
            while ((batch = reader.readBatch()) != null) {
                RecordAndPosition<RawRecord> r;
                while ((r = batch.next()) != null) {
                    out.add(r.getRecord());
                }
                batch.releaseBatch();
            }
        }
        return out;
    }

    private static String text(RawRecord r) {
        return new String(r.payload(), StandardCharsets.UTF_8);
    }

    @Test
    void crlfBomGzipAndTheRecordLimit() throws Exception {
        Files.write(
                dir.resolve("a.jsonl"),
                ("\uFEFF{\"a\":1}\r\n\r\n{\"a\":2}\r\n{\"a\":\""
                                + "x".repeat(100)
                                + "\"}\n{\"a\":3}")
                        .getBytes(StandardCharsets.UTF_8));
        List<RawRecord> a = read(dir.resolve("a.jsonl"), 64);
        assertThat(a)
                .extracting(DropFileFormatTest::text)
                .containsExactly("{\"a\":1}", "{\"a\":2}", text(a.get(2)), "{\"a\":3}");
        assertThat(a)
                .extracting(RawRecord::position)
                .containsExactly("a.jsonl:1", "a.jsonl:3", "a.jsonl:4", "a.jsonl:5");
        assertThat(a.get(2).kind()).isEqualTo(RawRecord.TOO_LONG);
        assertThat(a.get(2).payload().length).isLessThanOrEqualTo(64);
        assertThat(a.get(3).kind()).isEqualTo(RawRecord.RECORD);

        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("id;n\r\n1;2\r\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.write(dir.resolve("b.csv.gz"), gz.toByteArray());
        List<RawRecord> b = read(dir.resolve("b.csv.gz"), 1024);
        assertThat(b).hasSize(1);
        assertThat(b.get(0).header()).isEqualTo("id;n");
        assertThat(text(b.get(0))).isEqualTo("1;2");
    }

    @Test
    void aFileThatVanishedAfterListingIsAMarkerNotAFailure() throws Exception {
        Path gone = dir.resolve("gone.csv");
        Files.writeString(gone, "id\n1\n");
        List<FileSourceSplit> splits =
                new ArrayList<>(
                        new VersionedFiles(files)
                                .enumerateSplits(
                                        new org.apache.flink.core.fs.Path[] {
                                            new org.apache.flink.core.fs.Path(dir.toUri())
                                        },
                                        1));
        Files.delete(gone);
        List<RawRecord> out =
                read(
                        new DropFileFormat("s", dir.toString(), files, true, 1024, "UTF-8"),
                        splits.get(0));
        assertThat(out).hasSize(1);
        assertThat(out.get(0).kind()).isEqualTo(RawRecord.VANISHED_FILE);
        assertThat(out.get(0).position()).isEqualTo("gone.csv");
    }

    @Test
    void aRewrittenFileIsANewSplitAndTemporaryNamesAreNotListed() throws Exception {
        Path f = dir.resolve("c.csv");
        Files.writeString(f, "id\n1\n");
        Files.writeString(dir.resolve("_c.csv"), "id\n1\n");
        Files.writeString(dir.resolve("c.csv.part"), "id\n1\n");
        org.apache.flink.core.fs.Path[] root = {new org.apache.flink.core.fs.Path(dir.toUri())};
        List<FileSourceSplit> first =
                new ArrayList<>(new VersionedFiles(files).enumerateSplits(root, 1));
        assertThat(first).hasSize(1);
        Files.writeString(f, "id\n1\n2\n");
        Files.setLastModifiedTime(
                f, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        List<FileSourceSplit> second =
                new ArrayList<>(new VersionedFiles(files).enumerateSplits(root, 1));
        assertThat(second.get(0).path()).isNotEqualTo(first.get(0).path());
        assertThat(VersionedFiles.plain(second.get(0).path().toString()))
                .isEqualTo(VersionedFiles.plain(first.get(0).path().toString()));
        // Flink checkpoints the paths it handed out as text: the version survives that.
        assertThat(new org.apache.flink.core.fs.Path(second.get(0).path().toString()))
                .isEqualTo(second.get(0).path());
    }
}
