/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

/** Why a record went to {@code raw.quarantine}. Documented in pipelines/README.md. */
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
    /** A timestamp that is neither ISO-8601 with an offset nor epoch milliseconds. */
    INVALID_TIMESTAMP,
    /** A timestamp further ahead of the record's ingestion time than {@code max-future}. */
    FUTURE_TIMESTAMP,
    /** Not an ISO-4217 currency code. */
    UNKNOWN_CURRENCY,
    /** Not an ISO-3166 alpha-2 country code. */
    UNKNOWN_COUNTRY,
    /** Not an e-mail address. */
    INVALID_EMAIL,
    /** Not a decimal(18,2) money amount (more than two decimals, too large, not a number). */
    INVALID_AMOUNT,
    /** A value outside its allowed set or pattern (event type, status, ...). */
    INVALID_VALUE,
    /** A text value longer than {@code max-field-length}. */
    FIELD_TOO_LONG
}
