/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

/**
 * A statement of the SQL layer failed. The message names the file and line, and never holds a
 * secret: it is masked, and the original exception is kept only when it holds none.
 */
public final class SqlRunException extends RuntimeException {

    SqlRunException(String message, Throwable cause) {
        super(message, cause);
    }

    static SqlRunException of(String where, Throwable failure, SqlVariables variables) {
        StringBuilder chain = new StringBuilder();
        boolean leaks = false;
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (!variables.mask(m).equals(m)) {
                leaks = true;
            }
            if (chain.length() > 0) {
                chain.append("\n  caused by: ");
            }
            chain.append(t.getClass().getSimpleName()).append(": ").append(variables.mask(m));
        }
        return new SqlRunException(where + ": " + chain, leaks ? null : failure);
    }
}
