/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Turns delivered bytes into a JSON object: UTF-8 checked, JSON or CSV parsed. */
public final class Payloads {

    /** Floats are read as BigDecimal (money is never a double); duplicate keys are refused. */
    public static final ObjectMapper JSON =
            JsonMapper.builder()
                    .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .build();

    private static final ObjectReader CSV_LINE =
            new CsvMapper().readerFor(String[].class).with(CsvParser.Feature.WRAP_AS_ARRAY);

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

    /** Whether the bytes are valid UTF-8. */
    public static boolean isUtf8(byte[] payload) {
        try {
            utf8(payload);
            return true;
        } catch (Invalid e) {
            return false;
        }
    }

    /** One JSON object. */
    public static ObjectNode jsonObject(String text) {
        if (text.isBlank()) {
            throw new Invalid(ErrorCode.MALFORMED_JSON, "the record is empty");
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new Invalid(
                    ErrorCode.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode o)) {
            throw new Invalid(
                    ErrorCode.MALFORMED_JSON,
                    "expected a JSON object, got " + node.getNodeType().name().toLowerCase());
        }
        return o;
    }

    /** One CSV line, keyed by the file's header; empty values are left out. */
    public static ObjectNode csvObject(String header, String line) {
        String[] names = csvValues(stripBom(header));
        String[] values = csvValues(line);
        if (values.length != names.length) {
            throw new Invalid(
                    ErrorCode.RAGGED_ROW,
                    "the row has "
                            + values.length
                            + " values, the header has "
                            + names.length
                            + " columns");
        }
        ObjectNode o = JSON.createObjectNode();
        for (int i = 0; i < names.length; i++) {
            String name = names[i].trim();
            if (!values[i].isEmpty() && !name.isEmpty()) {
                o.put(name, values[i]);
            }
        }
        return o;
    }

    private static String[] csvValues(String line) {
        try (MappingIterator<String[]> rows = CSV_LINE.readValues(line)) {
            return rows.hasNext() ? rows.next() : new String[0];
        } catch (IOException | RuntimeException e) {
            throw new Invalid(ErrorCode.RAGGED_ROW, "not a CSV row: " + e.getMessage());
        }
    }

    private static String stripBom(String s) {
        return !s.isEmpty() && s.charAt(0) == '\uFEFF' ? s.substring(1) : s;
    }
}
