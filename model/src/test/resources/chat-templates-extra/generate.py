#!/usr/bin/env python3
"""More reference renderings for sparkgen's chat-template tests: the templates of ../chat-templates,
other conversations, rendered by that folder's render.py (Python jinja2 in transformers' environment).

These stress what the visible fixtures touch lightly: edge whitespace and Unicode spaces under `trim`,
template-looking text in content, long and unusual conversations, tool calls and results in every
shape the templates branch on, Python float formatting in `tojson`, reasoning content.

  python3 generate.py          # rewrites cases.json here
  python3 generate.py --check  # exit 1 if cases.json differs from a fresh rendering
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "chat-templates"))
import render  # noqa: E402  (the shared fixture generator: make_env, render, load_model, MODELS)

U = lambda c: {"role": "user", "content": c}
A = lambda c: {"role": "assistant", "content": c}
S = lambda c: {"role": "system", "content": c}
T = lambda c: {"role": "tool", "content": c}

NUM_TOOL = {"type": "function", "function": {
    "name": "set_temperature", "description": "Sets the thermostat — “eco” mode ≤ 19 °C.",
    "parameters": {"type": "object", "properties": {
        "value": {"type": "number", "minimum": -40, "maximum": 1.5e2, "multipleOf": 0.1, "default": 20.0},
        "tiny": {"type": "number", "default": 1e-07}, "huge": {"type": "number", "default": 1e16},
        "mode": {"type": ["string", "null"], "enum": ["eco", "boost", None]},
        "flags": {"type": "object", "properties": {}, "additionalProperties": False},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3}},
        "required": ["value"]}}}
SEARCH_TOOL = {"type": "function", "function": {"name": "search", "description": "Search the web.\nReturns\ttabs & \"quotes\" \\ backslashes.",
                                                "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}}

COMMON = [
    ("long_conversation", [S("Be terse.")] + [m for i in range(6) for m in (U("Question %d?" % i), A("Answer %d." % i))] + [U("Last one?")], {}),
    ("assistant_last", [U("Write a haiku."), A("Autumn moonlight—")], {}),
    ("system_only", [S("You are a poet.")], {}),
    ("empty_user_content", [U("")], {}),
    ("whitespace_only_content", [U(" \t\n ")], {}),
    ("unicode_spaces_at_edges", [S("\u00a0\u3000System with odd spaces\u2003\u00a0"), U("\u3000Hello\u00a0\u200b"), A("\u2028Hi\u2029"), U("\u0085Next\u001c")], {}),
    ("crlf_and_tabs", [U("line one\r\nline two\r\n\ttabbed\r\n")], {}),
    ("template_lookalikes", [U("{% if x %}{{ y }}{% endif %} {# c #} {{- -}} {%- raw -%} ${x} %s {0}"), A("{{ 'a' ~ 'b' }}"), U("}} {{ {% %}")], {}),
    ("python_lookalikes", [U("None True False [] {} 'quoted' \"dq\" \\n \\\\")], {}),
    ("emoji_and_combining", [U("👩‍👩‍👧 e\u0301 ﷽ שלום مرحبا 𝔘𝔫𝔦𝔠𝔬𝔡𝔢")], {}),
    ("think_tags_in_user", [U("<think>not mine</think> What is </think> this?")], {}),
    ("assistant_with_think_then_user", [U("Q1"), A("<think>\nr1\n</think>\n\nA1"), U("Q2"), A("<think>r2</think>A2"), U("Q3")], {}),
    ("twenty_turns", [m for i in range(10) for m in (U("u%d" % i), A("a%d" % i))], {}),
    ("extra_message_keys", [{"role": "user", "content": "Hi", "name": "alice"}, {"role": "assistant", "content": "Hello", "name": "bot"}, U("Bye")], {}),
    ("newline_edges", [S("\n\nsys\n\n"), U("\nuser\n"), A("\n\nassistant\n\n"), U("\n")], {}),
]

PER_MODEL = {
    "qwen2.5-instruct": [
        ("two_tools_with_system", [S("Use tools."), U("Set 21.5 and search")], {"tools": [NUM_TOOL, SEARCH_TOOL]}),
        ("parallel_tool_calls",
         [U("Weather?"), {"role": "assistant", "content": "Let me check.", "tool_calls": [
             {"type": "function", "function": {"name": "search", "arguments": {"q": "Oslo weather"}}},
             {"type": "function", "function": {"name": "set_temperature", "arguments": {"value": 21.5, "mode": None, "tags": ["a", "b"]}}}]},
          T("{\"ok\": true}"), T("sunny"), A("Done.")], {"tools": [NUM_TOOL, SEARCH_TOOL]}),
        ("tool_call_without_function_wrapper",
         [U("Q"), {"role": "assistant", "content": "", "tool_calls": [{"name": "search", "arguments": {"q": "x"}}]}, T("r")], {}),
        ("tool_first", [T("orphan result"), U("ok")], {}),
        ("system_later", [U("a"), S("late system"), U("b")], {}),
    ],
    "qwen3": [
        ("multi_step_tools",
         [U("Plan a trip"), {"role": "assistant", "content": "<think>need weather</think>Checking.", "tool_calls": [
             {"type": "function", "function": {"name": "search", "arguments": "{\"q\": \"Oslo\"}"}}]},
          T("cold"), {"role": "assistant", "content": "", "tool_calls": [
              {"type": "function", "function": {"name": "set_temperature", "arguments": {"value": 1e16}}},
              {"function": {"name": "search", "arguments": {"q": "Bergen"}}}]},
          T("ok"), T("rainy")], {"tools": [NUM_TOOL, SEARCH_TOOL], "enable_thinking": True}),
        ("reasoning_content_history",
         [U("A?"), {"role": "assistant", "content": "a", "reasoning_content": "because"}, U("B?"),
          {"role": "assistant", "content": "\n\nb", "reasoning_content": "\nsince\n"}], {}),
        ("tool_response_as_user_text", [U("Q"), A("calling"), U("<tool_response>\nr\n</tool_response>")], {}),
        ("content_list_is_dropped", [U([{"type": "text", "text": "parts"}]), U("plain")], {}),
        ("enable_thinking_false_with_history", [U("x"), A("<think>\nold\n</think>\n\ny"), U("z")], {"enable_thinking": False}),
        ("nested_think", [U("q"), A("<think>a<think>b</think>c</think>d")], {}),
    ],
    "qwen3-thinking-2507": [
        ("multi_step_tools",
         [U("Plan"), {"role": "assistant", "content": "Checking.", "tool_calls": [
             {"type": "function", "function": {"name": "search", "arguments": {"q": "Oslo"}}}]},
          T("cold"), T("colder")], {"tools": [SEARCH_TOOL]}),
        ("reasoning_content_last", [U("A?"), {"role": "assistant", "content": "a", "reasoning_content": "because"}], {}),
    ],
    "llama-3.2-instruct": [
        ("custom_tools", [U("Search cats")], {"custom_tools": [SEARCH_TOOL]}),
        ("numbers_in_tool_schema", [S("sys"), U("Set it")], {"tools": [NUM_TOOL], "tools_in_user_message": False}),
        ("two_tools_in_user_message", [U("  both  "), A("ok"), U("again")], {"tools": [NUM_TOOL, SEARCH_TOOL]}),
        ("ipython_mapping_content",
         [U("Q"), {"role": "assistant", "tool_calls": [{"function": {"name": "search", "arguments": {"q": "ü", "n": 3, "x": 2.5}}}]},
          {"role": "ipython", "content": {"result": ["ä", 1, 2.0, None, True]}}], {}),
        ("tool_role_string_content", [U("Q"), {"role": "tool", "content": "plain text result"}], {}),
        ("date_string_given", [U("Date?")], {"date_string": "01 Jan 2030"}),
        ("unknown_role", [{"role": "developer", "content": "  dev note  "}, U("hi")], {}),
    ],
    "gemma-2-it": [
        ("assistant_assistant", [U("a"), A("b"), A("c")], {}),
        ("unknown_role_first", [{"role": "developer", "content": "x"}], {}),
    ],
    "gemma-3-it": [
        ("image_only", [U([{"type": "image"}])], {}),
        ("many_text_parts", [S([{"type": "text", "text": "S1"}, {"type": "text", "text": "ignored"}]),
                             U([{"type": "text", "text": " a "}, {"type": "text", "text": "\u00a0b\u00a0"}, {"type": "image"}]), A("c"),
                             U("  d  ")], {}),
        ("system_string_user_parts", [S("sys"), U([{"type": "text", "text": "t"}])], {}),
        ("assistant_assistant", [U("a"), A("b"), A("c")], {}),
    ],
    "phi-3.5-mini-instruct": [
        ("unknown_role", [{"role": "developer", "content": "dropped"}, U("kept")], {}),
        ("empty_system_skipped", [S(""), U("x"), A("y")], {}),
    ],
    "tinyllama-1.1b-chat": [
        ("unknown_role", [{"role": "developer", "content": "dropped"}, U("kept")], {}),
    ],
    "smollm2-instruct": [
        ("system_not_first", [U("a"), S("b")], {}),
    ],
}


def main(check):
    cases = []
    for model in render.MODELS:
        convs = render.conversations_for(model, PER_MODEL, COMMON)
        tmpl, specials = render.load_model(os.path.join(HERE, "..", "chat-templates", model))
        for case in render.build_cases(tmpl, specials, convs):
            case = dict(model=model, **case)
            cases.append(case)
    text = json.dumps(cases, indent=2, ensure_ascii=False) + "\n"
    path = os.path.join(HERE, "cases.json")
    if check:
        with open(path, encoding="utf-8") as f:
            if f.read() != text:
                print("DRIFT", path)
                return 1
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    errors = {}
    for c in cases:
        if "error" in c:
            errors.setdefault(c["error_type"], []).append(c["model"] + "/" + c["name"])
    print(len(cases), "cases;", {k: len(v) for k, v in errors.items()})
    for k, v in errors.items():
        if k != "TemplateError":
            print(k, v)
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
