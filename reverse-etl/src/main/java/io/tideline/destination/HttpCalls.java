/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The HTTP plumbing every destination shares: one exchange, and how its failure is classified.
 *
 * <p>Every exchange runs under the destination's Resilience4j {@link TimeLimiter}: the request is
 * sent with {@link HttpClient#sendAsync}, and when no answer came within the destination's call
 * timeout the exchange is cancelled ({@code cancelRunningFuture}: the client aborts it and drops
 * its connection) and the call fails as {@link CallException.Retryable}. The client keeps its own
 * connect timeout as well.
 */
public final class HttpCalls {

    private HttpCalls() {}

    /** A client for one destination, with its connect timeout. */
    public static HttpClient client(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /**
     * The time limit of a destination's calls: {@code timeout} from sending the request to the
     * whole answer; the exchange is cancelled when it runs out.
     */
    public static TimeLimiter timeLimiter(String name, Duration timeout) {
        return TimeLimiter.of(
                name,
                TimeLimiterConfig.custom()
                        .timeoutDuration(timeout)
                        .cancelRunningFuture(true)
                        .build());
    }

    /**
     * Sends a request and waits for its answer, at most the time limit's {@code timeoutDuration}. A
     * transport failure or a timeout is {@link CallException.Retryable}; the answer is returned
     * whatever its status. When this returns or throws, the call is over for the caller: answered,
     * failed, or cancelled on its timeout (the caller releases its rate-limit ticket then).
     */
    public static HttpResponse<String> exchange(
            HttpClient client, TimeLimiter timeLimiter, HttpRequest request) throws CallException {
        AtomicReference<CompletableFuture<HttpResponse<String>>> sent = new AtomicReference<>();
        try {
            return timeLimiter.executeFutureSupplier(
                    () -> {
                        sent.set(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
                        return sent.get();
                    });
        } catch (TimeoutException e) {
            // the time limiter has cancelled the exchange
            throw new CallException.Retryable(
                    0,
                    "no answer within " + timeLimiter.getTimeLimiterConfig().getTimeoutDuration(),
                    null,
                    true);
        } catch (HttpConnectTimeoutException e) {
            throw new CallException.Retryable(
                    0,
                    "no connection within "
                            + client.connectTimeout()
                                    .map(Duration::toString)
                                    .orElse("the connect timeout"),
                    null);
        } catch (IOException e) {
            // the request may have been sent before the connection broke
            throw new CallException.Retryable(
                    0,
                    "transport error: " + e.getClass().getSimpleName() + ": " + e.getMessage(),
                    null,
                    !(e instanceof java.net.ConnectException));
        } catch (InterruptedException e) {
            CompletableFuture<HttpResponse<String>> f = sent.get();
            if (f != null) {
                f.cancel(true);
            }
            Thread.currentThread().interrupt();
            throw new CallException.Fatal(0, "interrupted");
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new CallException.Retryable(
                    0,
                    "transport error: " + e.getClass().getSimpleName() + ": " + e.getMessage(),
                    null);
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
