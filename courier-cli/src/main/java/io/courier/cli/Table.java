package io.courier.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/** A plain-text table with left-aligned columns, as {@code courier topics} and friends print them. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        rows.add(header);
    }

    Table row(Object... cells) {
        String[] text = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            text[i] = cell(cells[i]);
        }
        rows.add(text);
        return this;
    }

    int size() {
        return rows.size() - 1;
    }

    void print(PrintWriter out) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(i == columns - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    /** A figure the backend does not keep prints as "-", never as 0. */
    private static String cell(Object value) {
        if (value instanceof OptionalLong l) {
            return l.isPresent() ? Long.toString(l.getAsLong()) : "-";
        }
        if (value instanceof OptionalDouble d) {
            return d.isPresent() ? String.format("%.1f", d.getAsDouble()) : "-";
        }
        if (value instanceof java.util.Optional<?> o) {
            return o.map(String::valueOf).orElse("-");
        }
        return String.valueOf(value);
    }
}
