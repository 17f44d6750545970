/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.util.Objects;

/**
 * A credential given in the configuration as a reference ({@code ${env:NAME}} or {@code
 * ${file:/path}}) and resolved once, at load.
 *
 * <p>The value leaves this object only through {@link #reveal()}. {@link #toString()} prints a
 * mask, so records, logs and error messages that include a secret never show it.
 */
public final class Secret {

    static final String MASK = "******";

    private final String reference;
    private final String value;

    Secret(String reference, String value) {
        this.reference = Objects.requireNonNull(reference, "reference");
        this.value = Objects.requireNonNull(value, "value");
    }

    /** A secret with no reference, for values that embedded parts create themselves. */
    public static Secret generated(String value) {
        return new Secret("(generated)", value);
    }

    /** The reference as written in the configuration, for example {@code ${env:PGPASSWORD}}. */
    public String reference() {
        return reference;
    }

    /** The resolved value. Pass it straight to the client that needs it; never log it. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return MASK;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other
                && reference.equals(other.reference)
                && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return reference.hashCode();
    }
}
