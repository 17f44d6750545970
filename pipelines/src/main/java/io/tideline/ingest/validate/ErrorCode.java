/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

/** Why a record went to {@code landing.quarantine}. Documented in pipelines/README.md. */
public enum ErrorCode {
    /** The bytes are not valid UTF-8. */
    INVALID_UTF8,
    /** Not one well-formed JSON object (or an empty record). */
    MALFORMED_JSON,
    /** A CSV row with more or fewer values than its header. */
    RAGGED_ROW,
    /** A required field is absent, null or blank. */
    MISSING_FIELD,
    /** A field has a type that cannot be coerced (an object where a number is due, ...). */
    WRONG_TYPE,
    /** A timestamp that does not match the column's format. */
    INVALID_TIMESTAMP,
    /** A timestamp further ahead of the record's ingestion time than {@code max-future}. */
    FUTURE_TIMESTAMP,
    /** Not an ISO-4217 currency code. */
    UNKNOWN_CURRENCY,
    /** Not an ISO-3166 alpha-2 country code. */
    UNKNOWN_COUNTRY,
    /** Not an e-mail address. */
    INVALID_EMAIL,
    /**
     * Not a number that fits the column's decimal(p,s): more decimals than s, too large, not a
     * number.
     */
    INVALID_AMOUNT,
    /**
     * A value outside its allowed set, pattern or range ({@code one-of}, {@code pattern}, {@code
     * min}, {@code max}).
     */
    INVALID_VALUE,
    /** A text value longer than {@code max-field-length} or the column's {@code max-length}. */
    FIELD_TOO_LONG,
    /** A field no column declares, in a source with {@code unknown-fields: quarantine}. */
    UNKNOWN_FIELD,
    /** A file record (line) longer than the source's {@code max-record-bytes}. */
    RECORD_TOO_LONG,
    /** An unexpected failure while validating this one record (the message says what). */
    VALIDATION_FAILED
}
