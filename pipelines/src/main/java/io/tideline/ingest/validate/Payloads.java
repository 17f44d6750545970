/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import java.nio.ByteBuffer;
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

    /** Whether every byte is ASCII (then it is valid UTF-8): the common, allocation-free case. */
    public static boolean isAscii(byte[] payload) {
        for (byte b : payload) {
            if (b < 0) {
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
