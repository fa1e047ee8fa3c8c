package dev.sparkgen.job.config;

import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.GenerationKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every key the job accepts, with its built-in default and help text, in the order {@code --help}
 * lists them. Generation keys keep Hugging Face's names; their defaults come from the model folder's
 * {@code generation_config.json}, else Hugging Face's (shown by --help).
 */
public final class Keys {
  /** The prefix of Spark reader options ({@code input_option.<name>=<value>}). */
  public static final String INPUT_OPTION = "input_option.";

  /** The job's own keys. */
  public static final List<Key> JOB = List.of(
      path("model", "random", "a Hugging Face model folder (config.json + safetensors), or 'random'",
          "the model; 'random' builds a small random-weight GPT-2-family model (hidden 16, 4 heads,"
              + " 2 layers, ffn 32, 128 positions) seeded by 'seed'"),
      path("tokenizer", "", "path to a tokenizer.json (or a folder holding one)",
          "the tokenizer; default: the model folder's tokenizer.json if present, else none (then"
              + " prompts must be token ids and generated_text is null)"),
      path("input", "", "path or URI", "the prompts to read (required)"),
      job("input_format", "", "parquet | json | csv | text",
          "format of 'input'; default: inferred from its extension (.parquet, .json/.jsonl, .csv, .txt); a folder"
              + " without one: the extension its files share, else parquet (Spark's default source), as for a name"
              + " without an extension"),
      job("prompt_column", "prompt", "column name", "text prompts (string), tokenised with the tokenizer"),
      job("prompt_ids_column", "prompt_ids", "column name",
          "token-id prompts (array<int>), used as they are; wins over prompt_column where not null"),
      job("id_column", "id", "column name",
          "row id; a stable hash of it keys each row's sampling stream; rows without one are keyed by their"
              + " input file and line (or row) in it, so repeated prompts get different samples"),
      path("output", "", "path or URI; '{timestamp}' is replaced by the UTC start time",
          "where results go (required); _summary.json is written inside it"),
      job("output_format", "parquet", "parquet | json", "format of 'output' (json = JSON Lines)"),
      job("mode", "error", "error | overwrite | resume",
          "what to do if 'output' exists: refuse, replace it, or resume: keep the slices an earlier run with the same"
              + " model and settings committed there and generate only the rest (a fresh output is written in"
              + " slices; see 'slices')"),
      // Long jobs: resume, progress, planning (issue 16, first half).
      job("slices", "16", "integer >= 1",
          "mode=resume: the input is generated and committed in this many slices (by a hash of each row's id, else"
              + " its place in the input), one Spark job each; a killed job loses at most the slice in progress"),
      job("progress_interval", "10", "seconds >= 0 (decimals allowed)",
          "print a progress line every this many seconds while generating (rows done / total, generated tokens,"
              + " tokens/s over the last interval and overall, estimated time left); 0 = off"),
      job("dry_run", "0", "integer >= 0",
          "plan a job: generate this many rows sampled across the input, write nothing to 'output', and report"
              + " tokens/s per task slot, mean prompt and output lengths and the projected wall time of the whole"
              + " input (printed; also written as JSON to '<output>.dry_run.json' when output is set); 0 = off"),
      job("batch_size", "auto", "auto | integer >= 1", "rows decoded together: prompts x num_return_sequences (or"
          + " num_beams). auto: the most rows whose memory estimate, for each partition's longest prompt, fits"
          + " max_batch_memory (at most 64), printed at start and logged per partition; an integer is the most"
          + " rows, lowered (with a warning) for a partition whose prompts need it"),
      job("scheduler", "continuous", "continuous | static",
          "continuous: a batch keeps up to batch_size rows decoding and a finished row's place goes to the"
              + " partition's next prompt at once; static: prompts sorted by length are cut into batches that each"
              + " run until their longest row ends (rows that finish leave, none join). Beam search is always"
              + " static. Results are the same either way"),
      job("prefix_min_tokens", "32", "integer >= 0",
          "continuous scheduler: prompts of a partition that start with the same token prefix of at least this"
              + " many tokens compute its keys and values once (results unchanged); 0 = off"),
      job("cluster_by_prefix", "false", "true | false",
          "true: range-partition the prompts by their token ids or text (one extra pass to sample the input), so"
              + " that prompts sharing a prefix meet in one partition and prefix reuse finds them; the"
              + " partitions' sizes then follow the prompts' order, not a round robin"),
      job("partitions", "0", "integer >= 0", "partitions to spread the prompts over; 0 = Spark's default parallelism"),
      job("master", "", "Spark master URL",
          "Spark master; default: the one spark-submit gives, else local[*]"),
      job("weights_distribution", "file_server", "file_server | broadcast | files",
          "how executors get the weights. file_server: each executor JVM streams the model folder's files (as"
              + " stored, e.g. BF16) once from the driver's RPC file server to its local disk (spark.local.dir),"
              + " checks their sha256, loads them and deletes the copy; no model bytes on a Java heap. broadcast:"
              + " the float32 weights in 16 MiB broadcast chunks, fetched peer to peer (spares the driver with very"
              + " many executors, but the chunks make an executor's JVM grow its heap to its maximum while loading:"
              + " peak memory about the heap size higher). files: each executor reads the model folder at the same"
              + " path (a shared file system, or one machine)"),
      job("on_error", "continue", "continue | fail",
          "a bad row (no prompt, empty, ids outside the vocabulary, too long, untokenisable, generation error):"
              + " continue = an output row with 'error' set for each sample, fail = stop the job at the first one,"
              + " naming its id (exit code 5)"),
      job("truncation", "error", "error | left",
          "a prompt fits when it has at most context - 1 tokens (room for one new token); a longer one is an"
              + " error row (error), or keeps its last context - 1 tokens (left; num_prompt_tokens counts those)"),
      job("response_format", "", "json | json_schema:SCHEMA | json_schema:@FILE | regex:PATTERN | choice:[\"a\",...]",
          "structured output: every row's text is a JSON object (json), JSON valid under a JSON Schema (inline, or"
              + " read from FILE; the supported subset is in the README), a text the regular expression matches as a"
              + " whole, or exactly one of the strings; refused schemas name the keyword and its path"),
      job("response_format_column", "", "column name",
          "a string column holding a response_format per row (same forms, schemas inline); null = the job's setting,"
              + " empty = free text; a bad one is that row's error"),
      job("response_format_whitespace", "0", "integer in [0, 64]",
          "most whitespace characters (space, tab, newline) between JSON tokens; 0 = compact JSON"),
      job("on_incomplete", "error", "error | keep",
          "a row with a response_format that ended without a complete text (max_new_tokens, the context or a stop"
              + " string cut it; its finish_reason is not eos): error = the row carries 'error', keep = no error"),
      // Per-row generation settings (issue 16).
      job("generation_params_column", "", "column name",
          "a column of per-row generation settings: map<string,string> or a JSON object string, e.g."
              + " {\"temperature\": 0.7, \"max_new_tokens\": 64}; its entries (any generation key) override the"
              + " job's settings for that row; null or empty = the job's; a bad key or value is that row's error"),
      job("max_batch_memory", "4g", "bytes, or a number with k, m, g or t (powers of 1024)",
          "budget for one batch's native working set on an executor (KV cache, prefill attention and"
              + " activations in chunks, logits), estimated from each partition's longest prompt: it sizes"
              + " batch_size; a prompt that does not fit in one row is that row's error, and settings where not"
              + " even one row of a 1-token prompt fits are refused"),
      job("fault", "", "fail_first_attempt:P,.. | fail_every_attempt:P,.. | kill_executor:P",
          "TESTING HOOK, off by default: fail the first attempt (or every attempt) of the tasks of partitions"
              + " P, or halt the executor JVM running partition P's first attempt; fires after the task's"
              + " first output row"),
      // Reading prompts, tokenising them, and the local session (issue 10).
      job("add_special_tokens", "true", "true | false",
          "tokenise text prompts as Hugging Face tokenizer(text) does: the tokenizer.json's post-processor adds"
              + " its special tokens (Llama: <s> / <|begin_of_text|> first; GPT-2: nothing); false = the text's"
              + " tokens only"),
      job("skip_blank", "", "true | false",
          "drop input rows whose prompt is blank (empty or white space, no prompt_ids) and count them in the"
              + " summary (skipped_blank); default: true for text input, false for the other formats (every row is"
              + " then kept: an empty prompt is an error row, a white-space one is generated from)"),
      job(INPUT_OPTION, "", "Spark reader option value",
          "any option of Spark's reader for input_format, passed through (e.g. --input_option.sep=';'"
              + " --input_option.encoding=ISO-8859-1); over sparkgen's CSV defaults header=true, multiLine=true,"
              + " quote='\"', escape='\"' (RFC 4180, as pandas and spreadsheets write)"),
      job("spark_ui", "", "true | false",
          "start Spark's web UI; default: off on local masters (which bind to 127.0.0.1; a UI listens on"
              + " SPARK_LOCAL_IP, else on every interface), Spark's setting on other masters"),
      // Instruct models: conversations, chat templates, special tokens, reasoning (issue 13; dev.sparkgen.job.chat).
      job("messages_column", "messages", "column name",
          "conversations: array<struct<role: string, content: string>>, or the same list as JSON text; rendered"
              + " with the model's chat template and tokenised without adding special tokens; wins over"
              + " prompt_column and prompt_ids_column where not null"),
      job("add_generation_prompt", "true", "true | false",
          "end each rendered conversation with the assistant's turn header, for the model to answer; false ="
              + " the template's rendering without it (to have a final assistant message continued, see"
              + " continue_final_message)"),
      job("continue_final_message", "false", "true | false",
          "true: the model continues each conversation's final message (e.g. an assistant reply begun in the"
              + " input) instead of starting a new turn: rendered as transformers' continue_final_message=True,"
              + " without the template's end-of-turn after it (implies add_generation_prompt=false)"),
      job("chat_template", "auto", "auto | none | a template name",
          "auto: render conversations (messages_column) with the chat template, and plain prompts too when"
              + " system_prompt is set; none: never (a messages column or system_prompt is then an error); a name:"
              + " as auto, with the model's template of that name (tokenizer_config.json's named chat_template"
              + " list, or additional_chat_templates/NAME.jinja; e.g. tool_use), as transformers'"
              + " apply_chat_template(chat_template=NAME)"),
      job("system_prompt", "", "text",
          "make each plain prompt the conversation [system: TEXT, user: prompt], rendered with the chat template"),
      path("chat_template_file", "", "path to a Jinja template file",
          "the chat template; default: the model folder's chat_template.jinja, else tokenizer_config.json's"
              + " chat_template (of named templates: 'default', or 'tool_use' when chat_template_kwargs has tools;"
              + " another by chat_template=NAME)"),
      job("chat_template_kwargs", "", "a JSON object",
          "extra template variables, e.g. {\"enable_thinking\": false} (Qwen3), {\"date_string\": \"26 Jul 2024\"}"
              + " (Llama 3), {\"tools\": [...]}"),
      job("skip_special_tokens", "true", "true | false",
          "generated_text without special tokens (<|eot_id|>, <|im_end|>, </s> ...), as transformers"
              + " pipelines and vLLM return it"),
      job("reasoning", "keep", "keep | split",
          "split: a reasoning model's <think>...</think> text goes to the 'reasoning' column (null when there is"
              + " none) and the rest to generated_text; keep: all in generated_text"),
      job("output_prompt", "false", "true | false",
          "add a 'prompt_text' column: the rendered prompt the model saw (the prompt text for plain prompts,"
              + " null for prompt_ids; also on the error row of a prompt refused after rendering, e.g. too long)"));

  private Keys() {}

  private static Key job(String name, String dflt, String values, String help) {
    return new Key(name, dflt, values, help, false, false);
  }

  private static Key path(String name, String dflt, String values, String help) {
    return new Key(name, dflt, values, help, false, true);
  }

  /** The generation keys (GenerationKey's registry): Hugging Face names, with Hugging Face's defaults as text. */
  public static Map<String, String> generationDefaults() {
    return GenerationConfig.defaults().toMap();
  }

  /** Every key: the job's, then the generation keys. */
  public static List<Key> all() {
    List<Key> keys = new ArrayList<>(JOB);
    for (GenerationKey k : GenerationKey.values()) {
      keys.add(new Key(k.key(), k.text(GenerationConfig.defaults()), k.accepted(), k.help(), true, false));
    }
    return keys;
  }

  /** Key names only, in order. */
  public static List<String> names() {
    return all().stream().map(Key::name).toList();
  }

  /** The --help text: usage, then every key with its built-in default and help. */
  public static String help() {
    return help(Map.of());
  }

  /**
   * The --help text, with the values that {@code set} (a --conf file and the command line, key to
   * value) gives shown next to each key's built-in default: the settings that would really apply.
   */
  public static String help(Map<String, String> set) {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: sparkgen generate [--conf FILE] [--key=value | --key value ...]\n")
        .append("       sparkgen report [--key=value ...]     the degeneration report (sparkgen report --help)\n")
        .append("       spark-submit --class dev.sparkgen.job.Main sparkgen-job-<version>-shaded.jar generate [...]\n\n")
        .append("Settings: built-in defaults, then the --conf properties file, then --key=value (later wins).\n")
        .append("Relative paths in a properties file are resolved against the file's folder.\n")
        .append("job/bin/sparkgen generate with no arguments runs the demo (--conf conf/sparkgen.properties: the\n")
        .append("bundled demo model, sampling, sample prompts); with any argument it adds nothing, so the defaults\n")
        .append("below apply")
        .append(set.isEmpty() ? ".\n\n" : ", with the values set by --conf and the command line shown as 'set'.\n\n");
    for (Key k : all()) {
      if (k.name().equals(JOB.get(0).name())) {
        sb.append("Job keys:\n");
      } else if (k.generation() && k.name().equals(generationDefaults().keySet().iterator().next())) {
        sb.append("\nGeneration keys (Hugging Face names; default: the model folder's generation_config.json, else\n"
            + "Hugging Face's default, shown):\n");
      }
      String shown = k.defaultValue().isEmpty() ? "none" : k.defaultValue();
      String dflt = k.generation() ? " (default: the model's, else " + shown + ")" : " (default: " + shown + ")";
      if (!k.prefix() && set.containsKey(k.name())) {
        dflt = " (set: " + set.get(k.name()) + "; " + dflt.substring(2);
      }
      String name = k.prefix() ? k.name() + "<name>" : k.name();
      sb.append(String.format("  --%s=<%s>%s%n      %s%n", name, k.values(), dflt, k.help()));
      if (k.prefix()) {
        set.forEach((key, value) -> {
          if (k.matches(key)) {
            sb.append(String.format("      set: --%s=%s%n", key, value));
          }
        });
      }
    }
    sb.append("\nExit codes: 0 done, every row generated; 1 the job failed (nothing left at 'output'); 2 bad"
        + " command line or settings; 3 bad model, tokenizer, input or output location; 4 done, but some rows"
        + " carry 'error' (the summary counts them); 5 stopped at a bad row (on_error=fail).\n");
    return sb.toString();
  }
}
