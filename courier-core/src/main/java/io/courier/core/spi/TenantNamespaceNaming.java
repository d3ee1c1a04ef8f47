package io.courier.core.spi;


/**
 * Topic names shaped {@code domain://tenant/namespace/name}, as Pulsar has them (and {@code memory://}, which keeps
 * Pulsar's semantics): a name is a short name ({@code orders}, meaning {@code persistent://public/default/orders}),
 * {@code tenant/namespace/name}, or a full name with domain {@code persistent} or {@code non-persistent}. Each part
 * is letters, digits and {@code - _ . = :}. Partitions are named {@code <topic>-partition-<n>}. Thread-safe.
 */
public final class TenantNamespaceNaming implements TopicNaming {
    private static final TenantNamespaceNaming INSTANCE = new TenantNamespaceNaming();
    private static final String PARTITION = "-partition-";
    private static final int MAX_REMEMBERED = 4_096;

    /** Names found valid lately, bounded: every publish checks its topic, and a service uses few. */
    private final ValidTopicNames recentlyValid = new ValidTopicNames(MAX_REMEMBERED);

    private TenantNamespaceNaming() {
    }

    public static TenantNamespaceNaming instance() {
        return INSTANCE;
    }

    @Override
    public String problem(String topic) {
        return recentlyValid.problem(topic, TenantNamespaceNaming::check);
    }

    /**
     * {@code orders} and {@code public/default/orders} are {@code persistent://public/default/orders}.
     *
     * @throws io.courier.InvalidTopicException when the topic is not valid
     */
    @Override
    public String qualified(String topic) {
        String problem = problem(topic);
        if (problem != null) {
            throw new io.courier.InvalidTopicException(problem);
        }
        if (topic.contains("://")) {
            return topic;
        }
        return topic.indexOf('/') < 0 ? "persistent://public/default/" + topic : "persistent://" + topic;
    }

    /**
     * The inverse of {@link #qualified}: the name a user would give, {@code orders} for
     * {@code persistent://public/default/orders}, {@code tenant/ns/orders} for another namespace; a
     * {@code non-persistent://} name stays whole.
     */
    public String shortName(String fullName) {
        if (fullName.startsWith("persistent://public/default/")) {
            return fullName.substring("persistent://public/default/".length());
        }
        return fullName.startsWith("persistent://") ? fullName.substring("persistent://".length()) : fullName;
    }

    /** {@code orders-partition-3} belongs to {@code orders}. */
    @Override
    public String baseTopic(String topic) {
        int i = topic.lastIndexOf(PARTITION);
        int digits = i + PARTITION.length();
        if (i > 0 && digits < topic.length() && topic.substring(digits).chars().allMatch(Character::isDigit)) {
            return topic.substring(0, i);
        }
        return topic;
    }

    private static String check(String topic) {
        String generic = io.courier.Topics.problem(topic);
        if (generic != null) {
            return generic;
        }
        String rest = topic;
        boolean qualified = false;
        int scheme = topic.indexOf("://");
        if (scheme >= 0) {
            String domain = topic.substring(0, scheme);
            if (!domain.equals("persistent") && !domain.equals("non-persistent")) {
                return "topic '" + topic + "' has domain '" + domain + "'; only persistent:// and non-persistent:// exist";
            }
            rest = topic.substring(scheme + 3);
            qualified = true;
        }
        String[] parts = rest.split("/", -1);
        if (qualified && parts.length != 3) {
            return "topic '" + topic + "' must have the form " + topic.substring(0, scheme + 3) + "tenant/namespace/name";
        }
        if (!qualified && parts.length != 1 && parts.length != 3) {
            return "topic '" + topic + "' must be a short name or tenant/namespace/name";
        }
        for (String part : parts) {
            if (!isValidPart(part)) {
                return "topic '" + topic + "' has an invalid part '" + part
                        + "': use letters, digits and - _ . = : only (no spaces, no empty parts)";
            }
        }
        return null;
    }

    /** Letters, digits and - _ . = : only, at least one: checked by hand since every publish checks its topic. */
    private static boolean isValidPart(String part) {
        if (part.isEmpty()) {
            return false;
        }
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '=' || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
