/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

/** Cheap, bounded checks of numeric literals, before anything parses them. */
final class Numbers {

    private Numbers() {}

    /** {@code [+-]digits[.digits][(e|E)[+-]digits]}, with at least one mantissa digit. */
    static boolean isDecimalLiteral(String v) {
        int i = 0;
        int n = v.length();
        if (i < n && (v.charAt(i) == '+' || v.charAt(i) == '-')) {
            i++;
        }
        int digits = 0;
        while (i < n && Character.isDigit(v.charAt(i)) && v.charAt(i) < 128) {
            i++;
            digits++;
        }
        if (i < n && v.charAt(i) == '.') {
            i++;
            while (i < n && v.charAt(i) >= '0' && v.charAt(i) <= '9') {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < n && (v.charAt(i) == 'e' || v.charAt(i) == 'E')) {
            i++;
            if (i < n && (v.charAt(i) == '+' || v.charAt(i) == '-')) {
                i++;
            }
            int e = 0;
            while (i < n && v.charAt(i) >= '0' && v.charAt(i) <= '9') {
                i++;
                e++;
            }
            if (e == 0) {
                return false;
            }
        }
        return i == n;
    }

    /** Whether the literal's exponent, if any, is beyond ±999 (no decimal column can hold it). */
    static boolean exponentTooLarge(String v) {
        int e = Math.max(v.indexOf('e'), v.indexOf('E'));
        if (e < 0) {
            return false;
        }
        int start = e + 1;
        if (start < v.length() && (v.charAt(start) == '+' || v.charAt(start) == '-')) {
            start++;
        }
        while (start < v.length() - 1 && v.charAt(start) == '0') {
            start++;
        }
        return v.length() - start > 3;
    }

    /** {@code [-]digits} with at most {@code maxDigits} digits. */
    static boolean isWhole(String v, int maxDigits) {
        int n = v.length();
        int start = n > 0 && v.charAt(0) == '-' ? 1 : 0;
        if (n == start || n - start > maxDigits) {
            return false;
        }
        for (int i = start; i < n; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
