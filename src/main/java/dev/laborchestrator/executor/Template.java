package dev.laborchestrator.executor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A string with {@code {name}} placeholders anywhere inside it, checked against the names a caller
 * knows when it is parsed, so that a typo is a configuration error and not a surprise at reboot
 * time.
 */
final class Template {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9_]*)}");

  /** A placeholder and where it starts in the template text. */
  record Placeholder(String name, int start) {}

  private final String text;
  private final List<Placeholder> placeholders;

  private Template(String text, List<Placeholder> placeholders) {
    this.text = text;
    this.placeholders = placeholders;
  }

  /**
   * Parses {@code text}.
   *
   * @param where names the setting in messages, e.g. {@code rebuild.command[2]}
   * @throws IllegalArgumentException naming the first placeholder that is not in {@code known}
   */
  static Template parse(String text, List<String> known, String where) {
    if (text == null) {
      throw new IllegalArgumentException(where + " is missing");
    }
    List<Placeholder> found = new ArrayList<>();
    Matcher matcher = PLACEHOLDER.matcher(text);
    while (matcher.find()) {
      String name = matcher.group(1);
      if (!known.contains(name)) {
        throw new IllegalArgumentException(
            "unknown placeholder {"
                + name
                + "} in "
                + where
                + " '"
                + text
                + "'; known placeholders: "
                + String.join(", ", known.stream().map(k -> "{" + k + "}").toList()));
      }
      found.add(new Placeholder(name, matcher.start()));
    }
    return new Template(text, List.copyOf(found));
  }

  String text() {
    return text;
  }

  List<Placeholder> placeholders() {
    return placeholders;
  }

  Set<String> names() {
    Set<String> names = new LinkedHashSet<>();
    placeholders.forEach(p -> names.add(p.name()));
    return Collections.unmodifiableSet(names);
  }

  /** The text with every placeholder replaced by {@code valueOf.apply(name)}, verbatim. */
  String render(UnaryOperator<String> valueOf) {
    StringBuilder out = new StringBuilder(text.length() + 32);
    int from = 0;
    for (Placeholder placeholder : placeholders) {
      out.append(text, from, placeholder.start()).append(valueOf.apply(placeholder.name()));
      from = placeholder.start() + placeholder.name().length() + 2;
    }
    return out.append(text, from, text.length()).toString();
  }
}
