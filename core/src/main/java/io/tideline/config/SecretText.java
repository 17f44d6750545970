/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/**
 * A configuration value that is either plain text or a secret reference ({@code ${env:NAME}},
 * {@code ${file:/path}}), resolved at load: a webhook URL (Slack's and Zapier's carry their token
 * in the path) or a header value ({@code X-Api-Key: ${env:HOOK_KEY}}).
 *
 * <p>{@link #toString()} is the text itself when it is plain, and a mask when it is a secret, so a
 * record, a log line, a dry-run sample or {@code ConfigCheck} never shows a resolved secret.
 * Written back as YAML it is the text, or the reference.
 */
public final class SecretText {

    private final String text;
    private final Secret secret;

    private SecretText(String text, Secret secret) {
        this.text = text;
        this.secret = secret;
    }

    /** Plain text, shown as it is. */
    public static SecretText plain(String text) {
        return new SecretText(Objects.requireNonNull(text, "text"), null);
    }

    /** A resolved secret, masked wherever it is shown. */
    public static SecretText secret(Secret secret) {
        return new SecretText(null, Objects.requireNonNull(secret, "secret"));
    }

    /** Plain text, or a reference resolved by {@code resolver}. */
    static SecretText of(String written, SecretResolver resolver) {
        if (SecretResolver.isReference(written)) {
            return secret(resolver.resolve(written));
        }
        return plain(written);
    }

    public boolean isSecret() {
        return secret != null;
    }

    /** The value to use (send it; never log it). */
    public String reveal() {
        return secret != null ? secret.reveal() : text;
    }

    /** As written in the configuration: the text, or the secret's reference. */
    @JsonValue
    public String written() {
        return secret != null ? secret.reference() : text;
    }

    @Override
    public String toString() {
        return secret != null ? Secret.MASK : text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretText other
                && Objects.equals(text, other.text)
                && Objects.equals(secret, other.secret);
    }

    @Override
    public int hashCode() {
        return Objects.hash(text, secret);
    }
}
