package dev.sparkgen.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.exec.OutputColumns;
import dev.sparkgen.job.exec.RowSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import java.io.Serializable;
import org.apache.spark.sql.catalyst.encoders.ExpressionEncoder;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.ExprId;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.ScalaUDF;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.classic.ExpressionUtils;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction2;
import scala.runtime.AbstractPartialFunction;

/**
 * The SQL function {@code generate_text(prompt [, params])} ({@link SparkGen#register}), batched.
 *
 * <p>A Spark UDF is called once per row and must answer before it sees the next one, so it cannot
 * batch. This function therefore is a UDF only to the analyzer (its name, arguments and result
 * type); an optimizer rule added to the session ({@code spark.experimental().extraOptimizations},
 * which a running session accepts, unlike {@code SparkSessionExtensions}) replaces every projection
 * ({@code SELECT} list) that calls it by a {@code mapPartitions} over its input: the calls'
 * arguments become columns, {@link GenerationRun} generates partition by partition in the job's
 * length-ordered batches (model once per executor JVM, {@code ExecutorCache}), and the call is
 * replaced by the result column. Rows stay in their partitions (no shuffle) and every input row
 * gives exactly one result row. The UDF is nondeterministic to Spark, so the optimizer neither
 * duplicates a call (one per referenced struct field) nor moves it into a filter or join; a call
 * the rule cannot reach (in {@code WHERE}, {@code GROUP BY}, a join condition) fails with a message
 * saying to call it in a {@code SELECT} list.
 *
 * <p>Result ({@link #RESULT}): {@code generated_text}, {@code generated_token_ids}, {@code
 * finish_reason}, {@code cumulative_logprob}, {@code error} (null unless the row failed). Sampling
 * keys: a row's stream is keyed by its prompt text (identical prompts get identical samples under
 * one seed). {@code params}: a {@code map<string,string>} (other map values are cast to string) or a
 * JSON object string of generation settings for that row, as generation_params_column;
 * num_return_sequences must be 1.
 */
final class GenerateTextFunction {
  /** The struct every call returns. */
  static final StructType RESULT = new StructType(new StructField[] {
      field(OutputColumns.GENERATED_TEXT), field(OutputColumns.GENERATED_TOKEN_IDS), field(OutputColumns.FINISH_REASON),
      field(OutputColumns.CUMULATIVE_LOGPROB), field(OutputColumns.ERROR)});

  // The prompt argument's column is named as the job's default prompt_column, so that a row's error
  // reads "prompt is empty" / "no prompt: prompt null"; the input's own columns are renamed by position
  // (COLUMN_PREFIX), so no input column can clash with it.
  private static final String PROMPT = "prompt";
  private static final String ABSENT = "__sparkgen_prompt"; // prefix of columns that are never there
  private static final String PARAMS = "__sparkgen_params";
  private static final String RESULT_COLUMN = "__sparkgen_result";
  private static final String COLUMN_PREFIX = "__sparkgen_c";

  private final String name;
  private final GenerationRun run;
  private final org.apache.spark.sql.classic.SparkSession session;

  private GenerateTextFunction(String name, GenerationRun run, org.apache.spark.sql.classic.SparkSession session) {
    this.name = name;
    this.run = run;
    this.session = session;
  }

  private static StructField field(String name) {
    for (StructField f : OutputColumns.FIELDS) {
      if (f.name().equals(name)) {
        return DataTypes.createStructField(name, f.dataType(), true);
      }
    }
    throw new IllegalStateException("no output column " + name);
  }

  /** Registers {@code name} in {@code spark}'s session (replacing an earlier registration of that name). */
  static void register(SparkSession spark, String name, JobConfig cfg) {
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new ConfigException("SQL function name '" + name + "' must be a plain identifier");
    }
    if (!(spark instanceof org.apache.spark.sql.classic.SparkSession session)) {
      throw new ConfigException("the SQL function needs a classic (not Spark Connect) session, got "
          + spark.getClass().getName());
    }
    JobConfig runCfg = cfg.with(Map.of("prompt_column", PROMPT, "generation_params_column", PARAMS,
        "prompt_ids_column", ABSENT + "_ids", "id_column", ABSENT + "_id", "messages_column", ABSENT + "_messages"));
    ModelShipment shipment = SessionShipments.forConfig(spark, runCfg);
    if (shipment.model().tokenizer() == null) { // found here, not when a query is planned
      throw new ConfigException("the SQL function takes text prompts, but there is no tokenizer: set tokenizer=PATH"
          + " or put tokenizer.json in the model folder");
    }
    GenerationRun run = shipment.run(runCfg);
    if (run.generation().numReturnSequences() != 1) {
      throw new ConfigException("num_return_sequences=" + run.generation().numReturnSequences()
          + ": the SQL function returns one sequence per row (set num_return_sequences=1)");
    }
    GenerateTextFunction f = new GenerateTextFunction(name, run, session);
    session.sessionState().functionRegistry().createOrReplaceTempFunction(name,
        new scala.runtime.AbstractFunction1<scala.collection.immutable.Seq<Expression>, Expression>() {
          @Override
          public Expression apply(scala.collection.immutable.Seq<Expression> args) {
            return f.call(CollectionConverters.asJava(args));
          }
        }, "java_udf");
    List<Rule<LogicalPlan>> rules = new ArrayList<>();
    for (Rule<LogicalPlan> r : CollectionConverters.asJava(session.experimental().extraOptimizations())) {
      if (!(r instanceof Batching b && b.name().equals(name))) {
        rules.add(r);
      }
    }
    rules.add(f.new Batching());
    session.experimental().extraOptimizations_$eq(CollectionConverters.asScala(rules).toList());
  }

  /** The analyzer's view of a call: checks the arguments, then the UDF over (prompt, params). */
  private Expression call(List<Expression> args) {
    if (args.isEmpty() || args.size() > 2) {
      throw new IllegalArgumentException(name + " takes (prompt) or (prompt, params), not " + args.size()
          + " arguments");
    }
    Expression prompt = args.get(0);
    if (!prompt.dataType().equals(DataTypes.StringType) && !(prompt.dataType() instanceof NullType)) {
      throw new IllegalArgumentException(name + ": the prompt must be a string, not " + prompt.dataType().simpleString());
    }
    MapType stringMap = DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType);
    Expression params = args.size() == 2 ? args.get(1) : Literal.create(null, stringMap);
    DataType t = params.dataType();
    if (t instanceof NullType) {
      params = Literal.create(null, stringMap);
    } else if (t instanceof MapType m && m.keyType().equals(DataTypes.StringType)) {
      if (!m.valueType().equals(DataTypes.StringType)) {
        params = new Cast(params, stringMap, Option.empty());
      }
    } else if (!t.equals(DataTypes.StringType)) {
      throw new IllegalArgumentException(name + ": params must be a map<string,string> or a JSON object string, not "
          + t.simpleString());
    }
    // Nondeterministic (last argument false): never copied into each field reference, never pushed into a filter.
    return new ScalaUDF(new Unbatched(name), RESULT, CollectionConverters.asScala(List.of(prompt, params)).toList(),
        CollectionConverters.asScala(List.<Option<ExpressionEncoder<?>>>of(Option.empty(), Option.empty())).toList(),
        Option.empty(), Option.apply(name), true, false);
  }

  /** What a call does where the rule did not rewrite it: refuse, saying where it may be called. */
  private static final class Unbatched extends AbstractFunction2<Object, Object, Object> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String name;

    Unbatched(String name) {
      this.name = name;
    }

    @Override
    public Object apply(Object prompt, Object params) {
      throw new UnsupportedOperationException(name + "(...) runs batched over a whole partition and can only be"
          + " called in a SELECT list (not in WHERE, GROUP BY, ORDER BY or a join condition): select it in a"
          + " subquery and filter on its result, e.g. SELECT * FROM (SELECT " + name + "(prompt) AS g FROM t)"
          + " WHERE g.error IS NULL");
    }
  }

  /** Whether {@code e} is a call of this function. */
  private boolean isCall(Expression e) {
    return e instanceof ScalaUDF u && u.udfName().isDefined() && u.udfName().get().equals(name);
  }

  private ScalaUDF findCall(Expression e) {
    if (isCall(e)) {
      return (ScalaUDF) e;
    }
    for (Expression c : CollectionConverters.asJava(e.children())) {
      ScalaUDF found = findCall(c);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  private int calls(Expression e) {
    int n = isCall(e) ? 1 : 0;
    for (Expression c : CollectionConverters.asJava(e.children())) {
      n += calls(c);
    }
    return n;
  }

  private int calls(Project p) {
    int n = 0;
    for (NamedExpression e : CollectionConverters.asJava(p.projectList())) {
      n += calls((Expression) e);
    }
    return n;
  }

  private ScalaUDF findCall(Project p) {
    for (NamedExpression e : CollectionConverters.asJava(p.projectList())) {
      ScalaUDF found = findCall((Expression) e);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  /**
   * Replaces {@code p} (a projection calling the function) by a projection over a mapPartitions that
   * generates for its input: the input's columns renamed by position, plus the call's arguments.
   * One call per application; the optimizer's fixed point rewrites a second call in the result.
   */
  private LogicalPlan rewrite(Project p) {
    ScalaUDF target = findCall(p);
    List<Attribute> childOut = CollectionConverters.asJava(p.child().output());
    List<Column> cols = new ArrayList<>();
    for (int i = 0; i < childOut.size(); i++) {
      cols.add(ExpressionUtils.column(childOut.get(i)).as(COLUMN_PREFIX + i));
    }
    cols.add(ExpressionUtils.column(target.children().apply(0)).as(PROMPT));
    cols.add(ExpressionUtils.column(target.children().apply(1)).as(PARAMS));
    Dataset<Row> input = org.apache.spark.sql.classic.Dataset.ofRows(session, p.child()).select(cols.toArray(Column[]::new));
    List<Column> out = new ArrayList<>();
    for (int i = 0; i < childOut.size(); i++) {
      out.add(col(COLUMN_PREFIX + i));
    }
    out.add(struct(col(OutputColumns.GENERATED_TEXT), col(OutputColumns.GENERATED_TOKEN_IDS),
        col(OutputColumns.FINISH_REASON), col(OutputColumns.CUMULATIVE_LOGPROB), col(OutputColumns.ERROR))
        .cast(RESULT).as(RESULT_COLUMN));
    LogicalPlan generated = ((org.apache.spark.sql.classic.Dataset<Row>) run.applyInPlaceOneSequence(input)
        .select(out.toArray(Column[]::new))).logicalPlan();
    List<Attribute> genOut = CollectionConverters.asJava(generated.output());
    Map<ExprId, Attribute> renamed = new HashMap<>();
    for (int i = 0; i < childOut.size(); i++) {
      renamed.put(childOut.get(i).exprId(), genOut.get(i));
    }
    Attribute result = genOut.get(childOut.size());
    AbstractPartialFunction<Expression, Expression> replace = new AbstractPartialFunction<>() {
      @Override
      public boolean isDefinedAt(Expression e) {
        // The call itself (not semanticEquals: false for nondeterministic expressions), or an input column.
        return e == target || e instanceof Attribute a && renamed.containsKey(a.exprId());
      }

      @Override
      public Expression apply(Expression e) {
        return e == target ? result : renamed.get(((Attribute) e).exprId());
      }
    };
    List<NamedExpression> list = new ArrayList<>();
    for (NamedExpression e : CollectionConverters.asJava(p.projectList())) {
      if (e instanceof Attribute a && renamed.containsKey(a.exprId())) { // keep the projection's output ids
        list.add(new Alias(renamed.get(a.exprId()), a.name(), a.exprId(), a.qualifier(), Option.empty(),
            CollectionConverters.asScala(List.<String>of()).toList()));
      } else {
        list.add((NamedExpression) ((Expression) e).transformDown(replace)); // the call before its arguments
      }
    }
    Project rewritten = new Project(CollectionConverters.asScala(list).toList(), generated);
    if (calls(rewritten) >= calls(p)) { // a call left in place would loop through the optimizer's fixed point
      throw new IllegalStateException("could not replace " + target + " in " + p);
    }
    return rewritten;
  }

  /** The optimizer rule: every projection calling the function becomes a batched mapPartitions. */
  private final class Batching extends Rule<LogicalPlan> {
    String name() {
      return name;
    }

    @Override
    public LogicalPlan apply(LogicalPlan plan) {
      return plan.transformUp(new AbstractPartialFunction<LogicalPlan, LogicalPlan>() {
        @Override
        public boolean isDefinedAt(LogicalPlan node) {
          return node instanceof Project p && findCall(p) != null;
        }

        @Override
        public LogicalPlan apply(LogicalPlan node) {
          return rewrite((Project) node);
        }
      });
    }
  }
}
