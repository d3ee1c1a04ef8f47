package io.courier.outbox;

import io.courier.ConfigurationException;
import java.util.regex.Pattern;

/**
 * A table name checked before it is put into SQL: the outbox and inbox build their statements from it, so only plain
 * identifiers ({@code name} or {@code schema.name}) are taken, never quoting or anything a statement could be cut at.
 */
final class TableName {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");

    private TableName() {
    }

    static String checked(String what, String table) {
        if (table == null || !IDENTIFIER.matcher(table).matches()) {
            throw new ConfigurationException(what + " table name '" + table + "' is not a plain SQL identifier: use "
                    + "letters, digits and '_' (up to 63), optionally after a schema name and a dot");
        }
        return table;
    }

    /** The last part of a possibly schema-qualified name, for the names of indexes. */
    static String local(String table) {
        return table.substring(table.lastIndexOf('.') + 1);
    }
}
