/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import java.time.Duration;

/**
 * A call to a destination that failed as a whole. The subclass says what to do about it: {@link
 * Retryable} (throttled, 5xx, timed out: back off and try again), {@link RejectedBatch} (the API
 * refused the batch's content: isolate the bad records), {@link Fatal} (credentials, daily quota:
 * stop the run).
 */
public abstract sealed class CallException extends Exception {

    private final int status;

    CallException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** The HTTP status, or 0 when there was no answer. */
    public int status() {
        return status;
    }

    /** Throttled, failed on the server's side, or unanswered in time. */
    public static final class Retryable extends CallException {
        private final Duration retryAfter;
        private final boolean outcomeUnknown;

        public Retryable(int status, String message, Duration retryAfter) {
            this(status, message, retryAfter, false);
        }

        /**
         * @param outcomeUnknown the request may have reached the server and been applied (no answer
         *     in time, a connection lost after sending): a non-idempotent call is not retried
         */
        public Retryable(int status, String message, Duration retryAfter, boolean outcomeUnknown) {
            super(status, message);
            this.retryAfter = retryAfter == null ? Duration.ZERO : retryAfter;
            this.outcomeUnknown = outcomeUnknown;
        }

        /** Whether the server may have applied the call although it did not answer. */
        public boolean outcomeUnknown() {
            return outcomeUnknown;
        }

        /** How long the API asked to wait (Retry-After, rate-limit reset), zero when it did not. */
        public Duration retryAfter() {
            return retryAfter;
        }

        public boolean throttled() {
            return status() == 429;
        }
    }

    /** The API refused the batch because of what is in it (400, 409, other 4xx). */
    public static final class RejectedBatch extends CallException {
        private final String existingId;

        public RejectedBatch(int status, String message) {
            this(status, message, null);
        }

        /**
         * @param existingId for a conflict on create (HubSpot 409 "Existing ID: n"), the id of the
         *     record that already holds the identifier, or null
         */
        public RejectedBatch(int status, String message, String existingId) {
            super(status, message);
            this.existingId = existingId;
        }

        /** The id of the record a create conflicted with, or null. */
        public String existingId() {
            return existingId;
        }

        /** Whether the rejection will not pass by trying again (see {@link RecordOutcome}). */
        public boolean permanent() {
            return RecordOutcome.permanentStatus(status());
        }
    }

    /** Nothing will work until someone acts: bad credentials, quota used up. */
    public static final class Fatal extends CallException {
        public Fatal(int status, String message) {
            super(status, message);
        }
    }
}
