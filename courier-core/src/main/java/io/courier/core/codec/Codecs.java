package io.courier.core.codec;

import io.courier.Codec;
import io.courier.CodecException;
import io.courier.Headers;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The codecs on the classpath, by name and by content type: the built-in {@code json}, {@code proto}, {@code text},
 * {@code bytes}, plus any listed in {@code META-INF/services/io.courier.Codec}. Loaded once; thread-safe.
 */
public final class Codecs {
    private static final Codecs DEFAULT = load(Codecs.class.getClassLoader());

    private final Map<String, Codec> byName;
    private final Map<String, Codec> byContentType;

    private Codecs(Map<String, Codec> byName, Map<String, Codec> byContentType) {
        this.byName = byName;
        this.byContentType = byContentType;
    }

    /** The codecs found by the class loader that loaded Courier. */
    public static Codecs standard() {
        return DEFAULT;
    }

    /** The codecs found by {@code loader}; the first codec for a name wins. */
    public static Codecs load(ClassLoader loader) {
        Map<String, Codec> names = new LinkedHashMap<>();
        Map<String, Codec> types = new LinkedHashMap<>();
        for (Codec c : ServiceLoader.load(Codec.class, loader)) {
            names.putIfAbsent(c.name(), c);
            types.putIfAbsent(baseType(c.contentType()), c);
        }
        return new Codecs(Collections.unmodifiableMap(names), Collections.unmodifiableMap(types));
    }

    /**
     * The codec called {@code name}.
     *
     * @throws CodecException naming the codecs that exist when there is none
     */
    public Codec byName(String name) {
        Codec c = byName.get(name);
        if (c == null) {
            throw new CodecException("unknown codec '" + name + "'; available: " + String.join(", ", byName.keySet()));
        }
        return c;
    }

    /** The codec for a {@value Headers#CONTENT_TYPE} value (parameters such as charset are ignored), or null. */
    public Codec byContentType(String contentType) {
        return contentType == null ? null : byContentType.get(baseType(contentType));
    }

    public Set<String> names() {
        return byName.keySet();
    }

    private static String baseType(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }
}
