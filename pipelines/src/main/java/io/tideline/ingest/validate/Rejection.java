/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

/** Why a record is refused: a code for machines, a message for people. */
public record Rejection(ErrorCode code, String message) {}
