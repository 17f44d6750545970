/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

/**
 * Unwinds a validation from deep inside a field rule to the validator's entry point, which turns it
 * into a rejection (a value, never an exception). It never leaves this package; it has no stack
 * trace.
 */
final class Invalid extends RuntimeException {

    final ErrorCode code;

    Invalid(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }
}
