/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.cdc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The one split of a postgres-cdc source, and its checkpointed position.
 *
 * @param slot the replication slot
 * @param snapshotDone whether the initial snapshot was emitted whole
 * @param lsn the end LSN of the last transaction emitted whole (the snapshot's consistent point
 *     before the first): a restored reader streams from it, and transactions that committed before
 *     it are skipped
 * @param txLsn the commit LSN of a transaction emitted in part (0 if none)
 * @param txEmitted how many changes of that transaction were emitted (skipped after a restore)
 */
public record CdcSplit(String slot, boolean snapshotDone, long lsn, long txLsn, int txEmitted)
        implements SourceSplit {

    public static CdcSplit start(String slot) {
        return new CdcSplit(slot, false, 0, 0, 0);
    }

    @Override
    public String splitId() {
        return slot;
    }

    /** Serializes one split. */
    public static final class Serializer implements SimpleVersionedSerializer<CdcSplit> {

        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(CdcSplit s) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                write(s, out);
            }
            return bytes.toByteArray();
        }

        @Override
        public CdcSplit deserialize(int version, byte[] serialized) throws IOException {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                return read(in);
            }
        }

        static void write(CdcSplit s, DataOutputStream out) throws IOException {
            out.writeUTF(s.slot());
            out.writeBoolean(s.snapshotDone());
            out.writeLong(s.lsn());
            out.writeLong(s.txLsn());
            out.writeInt(s.txEmitted());
        }

        static CdcSplit read(DataInputStream in) throws IOException {
            return new CdcSplit(
                    in.readUTF(), in.readBoolean(), in.readLong(), in.readLong(), in.readInt());
        }
    }

    /** Serializes the enumerator's unassigned splits. */
    public static final class ListSerializer implements SimpleVersionedSerializer<List<CdcSplit>> {

        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(List<CdcSplit> splits) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(splits.size());
                for (CdcSplit s : splits) {
                    Serializer.write(s, out);
                }
            }
            return bytes.toByteArray();
        }

        @Override
        public List<CdcSplit> deserialize(int version, byte[] serialized) throws IOException {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                int n = in.readInt();
                List<CdcSplit> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(Serializer.read(in));
                }
                return out;
            }
        }
    }
}
