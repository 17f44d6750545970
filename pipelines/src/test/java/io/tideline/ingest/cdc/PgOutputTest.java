/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The pgoutput decoding and the text-to-JSON of values, message by message. */
class PgOutputTest {

    private static String json(String type, String text) throws Exception {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
            PgOutput.writeValue(g, type, text);
        }
        return w.toString();
    }

    @Test
    void valuesBecomeTypedJson() throws Exception {
        assertThat(json("bool", "t")).isEqualTo("true");
        assertThat(json("bool", "f")).isEqualTo("false");
        assertThat(json("int8", "-42")).isEqualTo("-42");
        assertThat(json("numeric", "12.50")).isEqualTo("12.50");
        assertThat(json("numeric", "NaN")).isEqualTo("\"NaN\"");
        assertThat(json("timestamptz", "2024-01-02 03:04:05.123456+00"))
                .isEqualTo("\"2024-01-02T03:04:05.123456+00:00\"");
        assertThat(json("timestamptz", "2024-01-02 03:04:05+05:30"))
                .isEqualTo("\"2024-01-02T03:04:05+05:30\"");
        assertThat(json("timestamptz", "2024-01-02 03:04:05-08"))
                .isEqualTo("\"2024-01-02T03:04:05-08:00\"");
        assertThat(json("timestamp", "2024-01-02 03:04:05")).isEqualTo("\"2024-01-02T03:04:05Z\"");
        assertThat(json("timestamp", "2024-01-02 03:04:05.5"))
                .isEqualTo("\"2024-01-02T03:04:05.5Z\"");
        assertThat(json("timestamptz", "1901-12-13 20:45:52+05:30:17"))
                .isEqualTo("\"1901-12-13T20:45:52+05:30\"");
        assertThat(json("timestamptz", "2024-01-02 03:04:05.1-03:30"))
                .isEqualTo("\"2024-01-02T03:04:05.1-03:30\"");
        assertThat(json("timestamptz", "infinity")).isEqualTo("\"infinity\"");
        assertThat(json("timestamptz", "0044-03-15 12:00:00+00 BC"))
                .isEqualTo("\"0044-03-15T12:00:00+00TBC\"");
        assertThat(json("jsonb", "{\"a\": 1}")).isEqualTo("{\"a\": 1}");
        assertThat(json("uuid", "0f8fad5b-d9cb-469f-a165-70867728950e"))
                .isEqualTo("\"0f8fad5b-d9cb-469f-a165-70867728950e\"");
        assertThat(json("text", null)).isEqualTo("null");
    }

    private static void cstring(ByteBuffer b, String s) {
        b.put(s.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
    }

    @Test
    void decodesBeginRelationChangesAndCommit() {
        long pgEpochMicros = 1_000_000L; // 2000-01-01T00:00:01Z
        ByteBuffer begin = ByteBuffer.allocate(64);
        begin.put((byte) 'B').putLong(0x16B3748L).putLong(pgEpochMicros).putInt(777).flip();
        PgOutput.Begin b = (PgOutput.Begin) PgOutput.decode(begin);
        assertThat(b.finalLsn()).isEqualTo(0x16B3748L);
        assertThat(b.commitTime()).isEqualTo(Instant.parse("2000-01-01T00:00:01Z"));
        assertThat(b.xid()).isEqualTo(777);

        ByteBuffer rel = ByteBuffer.allocate(128);
        rel.put((byte) 'R').putInt(5);
        cstring(rel, "app");
        cstring(rel, "accounts");
        rel.put((byte) 'd').putShort((short) 2);
        rel.put((byte) 1);
        cstring(rel, "id");
        rel.putInt(20).putInt(-1);
        rel.put((byte) 0);
        cstring(rel, "email");
        rel.putInt(25).putInt(-1);
        rel.flip();
        PgOutput.Relation r = ((PgOutput.RelationMessage) PgOutput.decode(rel)).relation();
        assertThat(r.namespace()).isEqualTo("app");
        assertThat(r.name()).isEqualTo("accounts");
        assertThat(r.columns())
                .containsExactly(
                        new PgOutput.Column("id", 20, true),
                        new PgOutput.Column("email", 25, false));

        ByteBuffer ins = ByteBuffer.allocate(64);
        ins.put((byte) 'I').putInt(5).put((byte) 'N').putShort((short) 2);
        ins.put((byte) 't').putInt(1).put((byte) '7');
        ins.put((byte) 'n');
        ins.flip();
        PgOutput.Change i = (PgOutput.Change) PgOutput.decode(ins);
        assertThat(i.op()).isEqualTo("insert");
        assertThat(i.values()).containsExactly("7", null);

        ByteBuffer upd = ByteBuffer.allocate(64);
        upd.put((byte) 'U').putInt(5).put((byte) 'N').putShort((short) 2);
        upd.put((byte) 't').putInt(1).put((byte) '7');
        upd.put((byte) 'u');
        upd.flip();
        PgOutput.Change u = (PgOutput.Change) PgOutput.decode(upd);
        assertThat(u.op()).isEqualTo("update");
        assertThat(u.values()[1]).isSameAs(PgOutput.UNCHANGED);

        ByteBuffer del = ByteBuffer.allocate(64);
        del.put((byte) 'D').putInt(5).put((byte) 'K').putShort((short) 2);
        del.put((byte) 't').putInt(1).put((byte) '7');
        del.put((byte) 'n');
        del.flip();
        PgOutput.Change d = (PgOutput.Change) PgOutput.decode(del);
        assertThat(d.op()).isEqualTo("delete");
        assertThat(d.values()).containsExactly("7", null);

        ByteBuffer commit = ByteBuffer.allocate(64);
        commit.put((byte) 'C').put((byte) 0).putLong(0x16B3748L).putLong(0x16B3780L);
        commit.putLong(pgEpochMicros).flip();
        PgOutput.Commit c = (PgOutput.Commit) PgOutput.decode(commit);
        assertThat(c.commitLsn()).isEqualTo(0x16B3748L);
        assertThat(c.endLsn()).isEqualTo(0x16B3780L);

        ByteBuffer trunc = ByteBuffer.allocate(64);
        trunc.put((byte) 'T').putInt(1).put((byte) 0).putInt(5).flip();
        assertThat(((PgOutput.Truncate) PgOutput.decode(trunc)).relationIds()).containsExactly(5);
    }
}
