package dev.sparkgen.model.chat;

import static jinjava.de.odysseus.el.tree.impl.Scanner.Symbol.COLON;
import static jinjava.de.odysseus.el.tree.impl.Scanner.Symbol.COMMA;
import static jinjava.de.odysseus.el.tree.impl.Scanner.Symbol.DOT;
import static jinjava.de.odysseus.el.tree.impl.Scanner.Symbol.EXTENSION;
import static jinjava.de.odysseus.el.tree.impl.Scanner.Symbol.IDENTIFIER;
import static jinjava.de.odysseus.el.tree.impl.Scanner.Symbol.LBRACK;
import static jinjava.de.odysseus.el.tree.impl.Scanner.Symbol.LPAREN;
import static jinjava.de.odysseus.el.tree.impl.Scanner.Symbol.NOT;
import static jinjava.de.odysseus.el.tree.impl.Scanner.Symbol.RBRACK;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.AdditionOperator;
import com.hubspot.jinjava.el.ext.AstNamedParameter;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.StringConcatOperator;
import java.util.ArrayList;
import java.util.List;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner.ScanException;
import jinjava.de.odysseus.el.tree.impl.Scanner.Symbol;
import jinjava.de.odysseus.el.tree.impl.Scanner.Token;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;

/**
 * Jinjava's expression parser with the jinja2 rules it lacks:
 *
 * <ul>
 *   <li><b>Keyword arguments take a whole expression.</b> Jinjava parses {@code name=value} as a
 *       binary operator at the level of {@code +}, so {@code namespace(i=messages|length - 1)} became
 *       {@code (i=messages|length) - 1} and failed (Qwen3's template). Here an argument that starts
 *       with {@code identifier =} is a keyword argument whose value is a full expression, as in
 *       jinja2's {@code Parser.parse_call_args}.
 *   <li><b>Python subscripts.</b> {@code x[start:stop:step]} with every part optional
 *       ({@code messages[::-1]}, Qwen3; {@code messages[1:]}, Llama 3), evaluated by {@link PySlice}
 *       with Python's rules; Jinjava knows only {@code [a:b]}, with its own clamping.
 *   <li><b>{@code not} below comparisons</b> (see {@link #eq}).
 *   <li><b>Python's {@code +}, {@code *} and {@code ~}</b>: {@link PyAddOperator},
 *       {@link PyMulOperator}, {@link PyConcatOperator}.
 *   <li><b>Trailing commas</b> in calls, lists and tuples ({@code ('a',)}).
 * </ul>
 *
 * Everything else is Jinjava's parser; this relies on Jinjava's "natural operator precedence"
 * legacy override (filters and tests bind tighter than arithmetic, as in jinja2), which
 * {@link HfJinjava} always sets.
 */
final class PyExpressionParser extends ExtendedParser {

  PyExpressionParser(Builder context, String input) {
    super(context, input);
    putExtensionHandler(StringConcatOperator.TOKEN, new ExtensionHandler(ExtensionPoint.ADD) {
      @Override
      public AstNode createAstNode(AstNode... children) {
        return new AstBinary(children[0], children[1], PyConcatOperator.OP);
      }
    });
  }

  /** {@code +} and {@code *} are Python's ({@link PyAddOperator}, {@link PyMulOperator}); the others Jinjava's. */
  @Override
  protected AstBinary createAstBinary(AstNode left, AstNode right, AstBinary.Operator operator) {
    AstBinary.Operator python = operator == AdditionOperator.OP ? PyAddOperator.OP : operator == AstBinary.MUL ? PyMulOperator.OP : operator;
    return super.createAstBinary(left, right, python);
  }

  /** The tree builder that makes this parser; JUEL caches the trees it builds, by expression text. */
  static final class TreeBuilder extends ExtendedSyntaxBuilder {
    private static final long serialVersionUID = 1L;

    TreeBuilder(Feature... features) {
      super(features);
    }

    @Override
    protected Parser createParser(String expression) {
      return new PyExpressionParser(this, expression);
    }
  }

  /**
   * {@code not} binds looser than comparisons and tests, as in Python: {@code not x is defined} is
   * {@code not (x is defined)} and {@code not a|length == 1} is {@code not ((a|length) == 1)}.
   * JUEL treats it as a unary operator on the next value, which inverted Llama 3's
   * {@code if not tools is defined} and {@code if not message.tool_calls|length == 1}.
   */
  @Override
  protected AstNode eq(boolean required) throws ScanException, ParseException {
    if (getToken().getSymbol() == NOT) {
      consumeToken();
      return createAstUnary(eq(true), AstUnary.NOT);
    }
    return super.eq(required);
  }

  @Override
  protected AstParameters params(Symbol left, Symbol right) throws ScanException, ParseException {
    consumeToken(left);
    List<AstNode> arguments = new ArrayList<>();
    AstNode v = argument(false);
    if (v != null) {
      arguments.add(v);
      while (getToken().getSymbol() == COMMA) {
        consumeToken();
        if (getToken().getSymbol() == right) {
          break; // Python allows a trailing comma: ('a',), f(x,), [1, 2,]
        }
        arguments.add(argument(true));
      }
    }
    consumeToken(right);
    return createAstParameters(arguments);
  }

  /** One call argument: {@code name = expression}, or an expression. */
  private AstNode argument(boolean required) throws ScanException, ParseException {
    if (getToken().getSymbol() == IDENTIFIER) {
      Token next = lookahead(0);
      if (next.getSymbol() == EXTENSION && next.getImage().equals("=")) {
        String name = consumeToken().getImage();
        consumeToken(); // '='
        return new AstNamedParameter(identifier(name), expr(true));
      }
    }
    return expr(required);
  }

  /**
   * A primary followed by any number of {@code .name}, {@code .name(args)}, {@code [index]},
   * {@code [index](args)} and {@code [start:stop:step]} suffixes. Filters and tests are applied by
   * the caller (natural precedence), as Jinjava's own {@code value()} does in that mode.
   */
  @Override
  protected AstNode value() throws ScanException, ParseException {
    boolean lvalue = true;
    AstNode v = nonliteral();
    if (v == null) {
      v = literal();
      if (v == null) {
        return null;
      }
      lvalue = false;
    }
    while (true) {
      Symbol symbol = getToken().getSymbol();
      if (symbol == DOT) {
        consumeToken();
        AstDot dot = createAstDot(v, consumeToken(IDENTIFIER).getImage(), lvalue);
        v = getToken().getSymbol() == LPAREN && context.isEnabled(Builder.Feature.METHOD_INVOCATIONS)
            ? createAstMethod(dot, params()) : dot;
      } else if (symbol == LBRACK) {
        consumeToken();
        v = subscript(v, lvalue);
      } else {
        return v;
      }
    }
  }

  /** After {@code [}: an index ({@code [i]}, maybe called) or a slice, through the closing bracket. */
  private AstNode subscript(AstNode base, boolean lvalue) throws ScanException, ParseException {
    AstNode start = getToken().getSymbol() == COLON ? null : expr(true);
    if (getToken().getSymbol() == RBRACK) {
      consumeToken();
      AstBracket bracket = createAstBracket(base, start, lvalue, !context.isEnabled(Builder.Feature.NULL_PROPERTIES));
      return getToken().getSymbol() == LPAREN && context.isEnabled(Builder.Feature.METHOD_INVOCATIONS)
          ? createAstMethod(bracket, params()) : bracket;
    }
    consumeToken(COLON);
    AstNode stop = isSliceEnd() ? null : expr(true);
    AstNode step = null;
    if (getToken().getSymbol() == COLON) {
      consumeToken();
      step = getToken().getSymbol() == RBRACK ? null : expr(true);
    }
    consumeToken(RBRACK);
    return new PySlice(base, start, stop, step);
  }

  private boolean isSliceEnd() {
    Symbol s = getToken().getSymbol();
    return s == COLON || s == RBRACK;
  }
}
