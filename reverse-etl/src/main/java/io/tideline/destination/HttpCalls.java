/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/** The HTTP plumbing every destination shares: one exchange, and how its failure is classified. */
public final class HttpCalls {

    private HttpCalls() {}

    /** A client for one destination; every request carries its own timeout as well. */
    public static HttpClient client(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /**
     * Sends a request. A transport failure or a timeout is {@link CallException.Retryable}; the
     * answer is returned whatever its status.
     */
    public static HttpResponse<String> exchange(HttpClient client, HttpRequest request)
            throws CallException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new CallException.Retryable(
                    0,
                    "no answer within "
                            + request.timeout().map(Duration::toString).orElse("the timeout"),
                    null);
        } catch (IOException e) {
            throw new CallException.Retryable(
                    0,
                    "transport error: " + e.getClass().getSimpleName() + ": " + e.getMessage(),
                    null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallException.Fatal(0, "interrupted");
        }
    }

    /**
     * Throws the {@link CallException} an unsuccessful status means: 429 and 5xx are retryable
     * (after {@code retryAfter}), 401/403 fatal, other 4xx a rejected batch.
     */
    public static void failIfUnsuccessful(HttpResponse<String> r, Duration retryAfter)
            throws CallException {
        int s = r.statusCode();
        if (s >= 200 && s < 300) {
            return;
        }
        String body = abbreviate(r.body());
        if (s == 429 || s >= 500) {
            throw new CallException.Retryable(s, "HTTP " + s + ": " + body, retryAfter);
        }
        if (s == 401 || s == 403) {
            throw new CallException.Fatal(s, "HTTP " + s + ": " + body);
        }
        throw new CallException.RejectedBatch(s, "HTTP " + s + ": " + body);
    }

    /**
     * The standard hints of when to come back: {@code Retry-After} (seconds or an HTTP date), or
     * {@code X-RateLimit-Reset} (epoch seconds). Zero when there is none.
     */
    public static Duration retryAfter(HttpHeaders headers) {
        Optional<String> ra = headers.firstValue("Retry-After");
        if (ra.isPresent()) {
            String v = ra.get().trim();
            try {
                return Duration.ofSeconds(Long.parseLong(v));
            } catch (NumberFormatException e) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                    return positive(Duration.between(Instant.now(), at.toInstant()));
                } catch (RuntimeException ignored) {
                    // unreadable: fall back to backoff
                }
            }
        }
        Optional<String> reset = headers.firstValue("X-RateLimit-Reset");
        if (reset.isPresent()) {
            try {
                long epoch = Long.parseLong(reset.get().trim());
                return positive(Duration.between(Instant.now(), Instant.ofEpochSecond(epoch)));
            } catch (NumberFormatException ignored) {
                // unreadable: fall back to backoff
            }
        }
        return Duration.ZERO;
    }

    private static Duration positive(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** A body shortened for messages. */
    public static String abbreviate(String body) {
        if (body == null) {
            return "";
        }
        String b = body.replaceAll("\\s+", " ").trim();
        return b.length() > 500 ? b.substring(0, 500) + "…" : b;
    }
}
