package dev.sparkgen.model.chat;

import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.JinjavaInterpreter.InterpreterScopeClosable;
import com.hubspot.jinjava.lib.tag.ElseTag;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.ObjectIterator;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import org.apache.commons.lang3.tuple.Pair;

/**
 * {@code {% for x in items if condition %}...{% else %}...{% endfor %}} with jinja2's two loop
 * features Jinjava lacks: the filter ({@code if condition}, evaluated per item before the loop, so
 * {@code loop.index} and {@code loop.length} count only the kept items) and the {@code else} branch
 * (rendered when nothing was iterated). Jinjava ignores the filter and renders the else branch
 * inside every iteration. Iteration itself (loop variables, scope, {@code loop.*}, break and
 * continue) is Jinjava's.
 */
final class PyForTag extends ForTag {
  private static final long serialVersionUID = 1L;

  @Override
  public String interpretUnchecked(TagNode tagNode, JinjavaInterpreter interpreter) {
    Pair<List<String>, String> varsAndExpression = getLoopVarsAndExpression((TagToken) tagNode.getMaster());
    List<String> vars = varsAndExpression.getLeft();
    String[] iterableAndFilter = splitFilter(varsAndExpression.getRight());
    Object collection = interpreter.resolveELExpression(iterableAndFilter[0], tagNode.getLineNumber());

    LinkedList<Node> body = new LinkedList<>();
    LinkedList<Node> otherwise = null;
    for (Node child : tagNode.getChildren()) {
      if (otherwise == null && child instanceof TagNode t && t.getTag() instanceof ElseTag) {
        otherwise = new LinkedList<>();
      } else if (otherwise != null) {
        otherwise.add(child);
      } else {
        body.add(child);
      }
    }
    if (iterableAndFilter[1] != null) {
      collection = kept(collection, vars, iterableAndFilter[1], tagNode, interpreter);
    }
    if (otherwise != null && !ObjectIterator.getLoop(collection).hasNext()) {
      StringBuilder out = new StringBuilder();
      for (Node n : otherwise) {
        out.append(n.render(interpreter).getValue());
      }
      return out.toString();
    }
    if (otherwise == null) {
      return renderForCollection(tagNode, interpreter, vars, collection);
    }
    TagNode bodyOnly = new TagNode(this, (TagToken) tagNode.getMaster(), tagNode.getSymbols());
    bodyOnly.setChildren(body);
    return renderForCollection(bodyOnly, interpreter, vars, collection);
  }

  /** The items for which {@code condition} holds, with the loop variables bound as in the loop. */
  private static List<Object> kept(Object collection, List<String> vars, String condition, TagNode tagNode,
      JinjavaInterpreter interpreter) {
    List<Object> kept = new ArrayList<>();
    ForLoop loop = ObjectIterator.getLoop(collection);
    while (loop.hasNext()) {
      Object item = loop.next();
      try (InterpreterScopeClosable scope = interpreter.enterScope()) {
        for (int i = 0; i < vars.size(); i++) {
          interpreter.getContext().put(vars.get(i), vars.size() == 1 ? item : unpack(item, i));
        }
        Object keep = interpreter.resolveELExpression(condition, tagNode.getLineNumber());
        if (keep != null && !Boolean.FALSE.equals(keep) && !(keep instanceof String s && s.isEmpty())) {
          kept.add(item);
        }
      }
    }
    return kept;
  }

  private static Object unpack(Object item, int i) {
    if (item instanceof Map.Entry<?, ?> e) {
      return i == 0 ? e.getKey() : i == 1 ? e.getValue() : null;
    }
    if (item instanceof List<?> l) {
      return i < l.size() ? l.get(i) : null;
    }
    throw new InterpretException("cannot unpack " + PyValues.typeName(item) + " into loop variables");
  }

  /**
   * {"iterable", "condition or null"}: the loop filter is a top-level {@code if} (outside
   * brackets and strings); jinja2 allows no bare conditional expression as the iterable.
   */
  static String[] splitFilter(String expression) {
    int depth = 0;
    char quote = 0;
    for (int i = 0; i < expression.length(); i++) {
      char c = expression.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
      } else if (depth == 0 && c == 'i' && expression.startsWith("if", i) && i > 0
          && Character.isWhitespace(expression.charAt(i - 1)) && i + 2 < expression.length()
          && Character.isWhitespace(expression.charAt(i + 2))) {
        return new String[] {expression.substring(0, i).trim(), expression.substring(i + 2).trim()};
      }
    }
    return new String[] {expression, null};
  }
}
