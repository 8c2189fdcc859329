package dev.portcullis.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;

import java.time.Duration;
import java.util.Locale;

/**
 * Typed getters over one config object that turn every failure into a {@link ConfigError} naming the full key
 * ({@code prefix + path}), the value as written and what is expected. Values are read through the typesafe
 * getters (so units and HOCON's string/number leniency apply) and then range-checked here.
 */
final class Reader {
    private final Config config;
    private final String prefix;

    Reader(Config config, String prefix) {
        this.config = config;
        this.prefix = prefix;
    }

    Config config() {
        return config;
    }

    String key(String path) {
        return prefix + path;
    }

    boolean isNull(String path) {
        return !config.hasPath(path);
    }

    ConfigError error(String path, String expected) {
        ConfigValue v = config.hasPathOrNull(path) ? config.getValue(path) : null;
        return error(key(path), v == null ? "null" : render(v), expected, v == null ? null : v.origin());
    }

    static ConfigError error(String key, String shownValue, String expected, ConfigOrigin origin) {
        return new ConfigError(key, key + " = " + shownValue + ": expected " + expected + where(origin));
    }

    static String render(ConfigValue v) {
        String s = v.render(ConfigRenderOptions.concise());
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    static String where(ConfigOrigin o) {
        if (o == null) return "";
        String file = o.filename() != null ? java.nio.file.Path.of(o.filename()).getFileName().toString()
                : o.resource() != null ? o.resource() : o.description();
        return o.lineNumber() > 0 ? " (" + file + ":" + o.lineNumber() + ")" : " (" + file + ")";
    }

    String string(String path, String expected) {
        try {
            return config.getString(path);
        } catch (ConfigException e) {
            throw error(path, expected);
        }
    }

    boolean bool(String path) {
        try {
            return config.getBoolean(path);
        } catch (ConfigException e) {
            throw error(path, "true or false");
        }
    }

    int intIn(String path, int min, int max, String expected) {
        int v;
        try {
            v = config.getInt(path);
        } catch (ConfigException e) {
            throw error(path, expected);
        }
        if (v < min || v > max) throw error(path, expected);
        return v;
    }

    long bytes(String path, long min, long max) {
        String expected = "a size from " + min + " to " + max + " bytes, such as 256K or 1M";
        long v;
        try {
            v = config.getBytes(path);
        } catch (ConfigException e) {
            throw error(path, expected);
        }
        if (v < min || v > max) throw error(path, expected);
        return v;
    }

    Duration duration(String path, Duration min, Duration max) {
        String expected = "a duration from " + show(min) + " to " + show(max) + ", such as 40ms or 30s";
        Duration v;
        try {
            v = config.getDuration(path);
        } catch (ConfigException e) {
            throw error(path, expected);
        }
        if (v.compareTo(min) < 0 || v.compareTo(max) > 0) throw error(path, expected);
        return v;
    }

    /** An enum written in lower case with hyphens: ON_OVERFLOW is "on-overflow". */
    <E extends Enum<E>> E enumOf(String path, Class<E> type) {
        StringBuilder names = new StringBuilder();
        for (E e : type.getEnumConstants()) names.append(names.isEmpty() ? "" : " | ").append(spell(e));
        String s = string(path, "one of " + names);
        for (E e : type.getEnumConstants()) {
            if (spell(e).equals(s)) return e;
        }
        throw error(path, "one of " + names);
    }

    static String spell(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String show(Duration d) {
        if (d.toMillis() % 1000 == 0) return d.toSeconds() + "s";
        return d.toMillis() + "ms";
    }
}
