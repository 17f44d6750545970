/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Checks on delivered bytes, before anything parses them. */
public final class Payloads {

    private Payloads() {}

    /** Decodes strictly: invalid UTF-8 is refused, never replaced. */
    public static String utf8(byte[] payload) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new Invalid(ErrorCode.INVALID_UTF8, "the payload is not valid UTF-8");
        }
    }

    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The high bit of every byte of a long: set in a word that holds a byte over 0x7F. */
    private static final long HIGH_BITS = 0x8080808080808080L;

    /**
     * Whether every byte is ASCII (then it is valid UTF-8): the common, allocation-free case. Eight
     * bytes at a time (every record's bytes pass here once).
     */
    public static boolean isAscii(byte[] payload) {
        int i = 0;
        int words = payload.length & ~7;
        for (; i < words; i += 8) {
            if (((long) LONGS.get(payload, i) & HIGH_BITS) != 0) {
                return false;
            }
        }
        for (; i < payload.length; i++) {
            if (payload[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether the bytes are valid UTF-8. */
    public static boolean isUtf8(byte[] payload) {
        if (isAscii(payload)) {
            return true;
        }
        try {
            utf8(payload);
            return true;
        } catch (Invalid e) {
            return false;
        }
    }

    /** Whether the bytes are only ASCII white space. */
    static boolean isBlank(byte[] payload) {
        for (byte b : payload) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }
}
