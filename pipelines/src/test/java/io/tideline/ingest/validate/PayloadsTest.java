/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PayloadsTest {

    /** Every length around the eight-byte words, and a byte over 0x7F at every place. */
    @Test
    void findsANonAsciiByteWhereverItIs() {
        for (int length = 0; length <= 40; length++) {
            byte[] ascii = new byte[length];
            Arrays.fill(ascii, (byte) 'a');
            assertThat(Payloads.isAscii(ascii)).as("length %d", length).isTrue();
            for (int at = 0; at < length; at++) {
                byte[] high = ascii.clone();
                high[at] = (byte) 0x80;
                assertThat(Payloads.isAscii(high)).as("0x80 at %d of %d", at, length).isFalse();
                high[at] = (byte) 0xFF;
                assertThat(Payloads.isAscii(high)).as("0xFF at %d of %d", at, length).isFalse();
                high[at] = 0x7F;
                assertThat(Payloads.isAscii(high)).as("0x7F at %d of %d", at, length).isTrue();
            }
        }
    }

    @Test
    void utf8IsAcceptedAndBrokenUtf8Refused() {
        byte[] text = "{\"city\":\"Zürich\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(Payloads.isAscii(text)).isFalse();
        assertThat(Payloads.isUtf8(text)).isTrue();
        byte[] broken = Arrays.copyOf(text, text.length);
        broken[10] = (byte) 0xC3; // ü's first byte, then "r": no continuation byte
        broken[11] = 'r';
        assertThat(Payloads.isUtf8(broken)).isFalse();
    }
}
