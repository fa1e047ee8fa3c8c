#!/usr/bin/env python3
"""Small templates, one Jinja/Python rule each, rendered by the transformers-like jinja2 environment of
../chat-templates/render.py. sparkgen's JinjaSemanticsTest renders each the same way and compares.

  python3 semantics.py          # rewrites semantics.json here
  python3 semantics.py --check  # exit 1 on drift
"""
import json
import os
import sys

from jinja2.exceptions import TemplateError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "chat-templates"))
import render  # noqa: E402

V = {"s": "  Hello, World  ", "t": "a\u00a0b\u3000", "u": "Grüße 😀 日本", "n": 3, "f": 2.5, "l": ["x", "y", "z"],
     "m": [{"role": "system", "content": "S"}, {"role": "user", "content": "U1"}, {"role": "assistant", "content": "A1"},
           {"role": "user", "content": "U2"}],
     "d": {"b": 1, "a": [1, 2.0, None, True, "ü\"\n"], "c": {}}, "e": [], "z": 0, "yes": True, "no": False, "none": None}

TEMPLATES = [
    # slicing and indexing
    ("slice_step", "{{ l[::-1] }}|{{ l[::2] }}|{{ l[1:] }}|{{ l[:-1] }}|{{ l[-2:] }}|{{ l[5:] }}|{{ l[-9:1] }}|{{ l[2:0:-1] }}"),
    ("slice_str", "{{ u[::-1] }}|{{ u[1:3] }}|{{ u[-2:] }}|{{ s[2:7] }}|{{ u[6] }}|{{ u[-1] }}"),
    ("index_negative", "{{ l[-1] }}{{ m[-1].content }}{{ m[-2]['role'] }}"),
    ("loop_neighbours", "{% for x in m %}{% if not loop.first %}{{ m[loop.index0 - 1].role[0] }}{% endif %}>{{ x.role[0] }}{% if not loop.last %}<{{ m[loop.index0 + 1].role[0] }}{% endif %};{% endfor %}"),
    # str methods
    ("strip_family", "[{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}][{{ 'xxaxx'.strip('x') }}][{{ '\n\nq\n'.strip('\n') }}][{{ t.strip() }}]"),
    ("split_family", "{{ 'a  b c '.split() }}{{ 'a,,b'.split(',') }}{{ 'a,b,c'.split(',', 1) }}{{ 'a,b,c'.rsplit(',', 1) }}{{ 'x</think>y</think>z'.split('</think>')[-1] }}{{ 'l1\nl2\r\nl3'.splitlines() }}"),
    ("affixes", "{{ s.startswith('  He') }}{{ s.endswith('x') }}{{ 'abc'.startswith(('x', 'a')) }}{{ 'abc'.endswith(('bc',)) }}"),
    ("replace_case", "{{ 'aaa'.replace('a', 'b', 2) }}|{{ 'ab'.replace('', '-') }}|{{ 'hello wORLD'.title() }}|{{ 'hello World'.capitalize() }}|{{ u.upper() }}|{{ u.lower() }}|{{ \"they're bill's\".title() }}"),
    ("find_count_join", "{{ 'banana'.find('an') }}{{ 'banana'.rfind('an') }}{{ 'banana'.count('a') }}{{ '-'.join(l) }}{{ 'x'.find('y') }}"),
    ("str_predicates", "{{ '123'.isdigit() }}{{ 'abc'.isalpha() }}{{ ''.isalpha() }}{{ ' \t'.isspace() }}{{ 'ABC'.isupper() }}{{ 'abc1'.islower() }}"),
    # dict methods
    ("dict_methods", "{{ d.get('b') }}{{ d.get('q', 'dflt') }}{{ d.get('q') is none }}{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.keys()|list }}{{ d|length }}"),
    # printing
    ("print_values", "{{ yes }} {{ no }} {{ n }} {{ f }} {{ 1.0 }} {{ 1e20 }} {{ 0.1 + 0.2 }} {{ l }} {{ d }} {{ e }} {{ 7 // 2 }} {{ 7 / 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }}"),
    ("print_repr_quotes", "{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'tab\tnl\n', 'ctl\x01'] }}"),
    ("undefined_prints_empty", "[{{ missing }}][{{ m[0].missing }}][{{ m[9] }}][{{ missing|trim }}][{{ missing|length }}]"),
    # operators
    ("concat_tilde", "{{ 'a' ~ n ~ yes ~ f ~ missing ~ l }}"),
    ("plus_types", "{{ 'a' + 'b' }}{{ n + 2 }}{{ n + f }}{{ l + ['w'] }}"),
    ("plus_str_int_fails", "{{ 'a' + n }}"),
    ("plus_str_none_fails", "{{ 'a' + none }}"),
    ("in_operator", "{{ 'll' in 'hello' }}{{ 'x' in l }}{{ 'q' in l }}{{ 'b' in d }}{{ 'role' in m[0] }}{{ 'tool_calls' in m[0] }}{{ 'x' not in l }}"),
    ("comparisons", "{{ n == 3 }}{{ n != 3 }}{{ n > 2 and n < 4 }}{{ not n == 3 }}{{ not none }}{{ (m[1].role == 'user') != (1 % 2 == 0) }}{{ e == [] }}"),
    ("not_precedence", "{{ not missing is defined }}{{ not l|length == 3 }}{{ not yes and no }}{{ not (yes and no) }}{{ not no or no }}"),
    ("filter_precedence", "{{ 'a' + s | trim + 'b' }}|{{ l|length - 1 }}|{{ -n|abs }}|{{ n * 2|string }}"),
    ("ternary", "{{ 'big' if n > 2 else 'small' }}{{ 'x' if no }}|{{ (l if yes else e)|length }}"),
    # tests
    ("tests", "{{ s is string }}{{ l is string }}{{ s is iterable }}{{ l is iterable }}{{ d is iterable }}{{ n is iterable }}{{ d is mapping }}{{ l is mapping }}{{ none is none }}{{ missing is defined }}{{ n is defined }}{{ no is false }}{{ z is false }}{{ yes is true }}{{ n is number }}{{ f is number }}{{ l is sequence }}"),
    ("test_negation", "{{ none is not none }}{{ missing is not defined }}{{ s is not string }}"),
    # filters
    ("filters_common", "{{ l|join(', ') }}|{{ l|first }}|{{ l|last }}|{{ l|length }}|{{ u|length }}|{{ s|lower }}|{{ s|upper }}|{{ l|reverse|list }}|{{ missing|default('dflt') }}|{{ [3,1,2]|sort }}|{{ s|replace('l', 'L') }}"),
    ("filters_map_select", "{{ m|map(attribute='role')|list }}|{{ m|selectattr('role', 'equalto', 'user')|map(attribute='content')|join(',') }}|{{ m|rejectattr('role', 'equalto', 'user')|list|length }}"),
    ("trim_filter", "[{{ s|trim }}][{{ t|trim }}][{{ '\u2003x\u00a0'|trim }}][{{ 'xxyxx'|trim('x') }}]"),
    ("tojson_plain", "{{ d|tojson }}|{{ s|tojson }}|{{ u|tojson }}|{{ l|tojson }}|{{ none|tojson }}|{{ f|tojson }}|{{ n|tojson }}|{{ e|tojson }}|{{ 1e20|tojson }}|{{ 1e-7|tojson }}|{{ 123456789012345678|tojson }}"),
    ("tojson_indent", "{{ d|tojson(indent=2) }}|{{ {'k': [], 'j': {} }|tojson(indent=4) }}|{{ l|tojson(indent=1) }}"),
    ("tojson_options", "{{ d|tojson(sort_keys=true) }}|{{ u|tojson(ensure_ascii=true) }}|{{ d|tojson(separators=(',', ':')) }}"),
    ("none_prints_none", "{{ none }}|{{ d.get('q') }}|{{ 'a' ~ none }}"),
    ("none_is_not_undefined", "{{ none is defined }}|{{ none|default('x') }}|{{ undef is none }}|{{ none|string }}|{{ undef }}|{{ [none] }}"),
    ("closing_braces_in_expression", "{{ {'j': {}}|length }}"),
    ("closing_braces_everywhere", "{{ {'a': {'b': 1}}['a']['b'] }}|{{ [{'x': {}}]|length }}|{{ {'a': 1}}}|{{ '}}' }}|{{ {'k': '}}'}['k'] }}|{{ {'a': {}}-}} |{% set d2 = {'a': {'b': {}}} %}{{ d2.a.b|length }}"),
    # statements
    ("set_scoping", "{% set a = 1 %}{% for i in l %}{% set a = 2 %}{% set b = 3 %}{% endfor %}{{ a }}{{ b }}{% if yes %}{% set a = 4 %}{% endif %}{{ a }}"),
    ("namespace", "{% set ns = namespace(count=0, last=none, total=m|length - 1) %}{% for x in m %}{% set ns.count = ns.count + 1 %}{% set ns.last = x.role %}{% endfor %}{{ ns.count }}{{ ns.last }}{{ ns.total }}"),
    ("rebind_in_if", "{% if m[0].role == 'system' %}{% set m = m[1:] %}{% endif %}{{ m|length }}{{ m[0].role }}"),
    ("loop_controls", "{% for i in range(10) %}{% if i is odd %}{% continue %}{% endif %}{% if i > 6 %}{% break %}{% endif %}{{ i }}{% endfor %}"),
    ("loop_vars", "{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}"),
    ("loop_else", "{% for x in e %}{{ x }}{% else %}empty{% endfor %}"),
    ("loop_filter", "{% for x in l if x != 'y' %}{{ x }}{% endfor %}"),
    ("for_over_dict", "{% for k in d %}{{ k }}{% endfor %}"),
    ("macro", "{% macro fmt(x, pre='>') %}{{ pre }}{{ x }}{% endmacro %}{{ fmt('a') }}{{ fmt('b', pre='#') }}"),
    ("raise_in_loop", "{% for x in m %}{% if x.role == 'assistant' %}{{ raise_exception('bad role ' + x.role) }}{% endif %}{{ x.role }}{% endfor %}"),
    ("strftime", "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %j %p %I %y %a %w %%') }}|{{ strftime_now is defined }}"),
    ("generation_tag", "a{% generation %}b{{ n }}{% endgeneration %}c"),
    # whitespace control
    ("trim_lstrip_blocks", "A\n  {% if yes %}\n    B\n  {% endif %}\nC\n  {# note #}\nD\n"),
    ("manual_trim", "A   {%- if yes -%}   B   {%- endif -%}   C {{- ' D ' -}} E {#- c -#} F"),
    ("lstrip_plus", "A\n  {%+ if yes %}B{% endif %}\n"),
    ("lstrip_only_at_line_start", "A  {% if yes %}B{% endif %}|{% if yes %}  {% endif %}|x {# c #}y|{{ n }}  {% if yes %}z{% endif %}"),
    ("lstrip_plus_comment_and_raw", "A\n  {#+ c #}B\n  {%+ if yes -%}  C{% endif %}\n  {%+ raw %}R{% endraw %}"),
    ("trim_plus", "{% if yes +%}\nB{% endif +%}\n|{# c +#}\nD{% if yes %}\n\nE{% endif %}"),
    ("lstrip_after_trimmed_newline", "{% if yes %}\n  {% if yes %}x{% endif %}\n  {{ 'y' }}\n{% endif %}\n  {# c #}\n\t{% if no %}{% endif %}z"),
    ("lstrip_unicode_spaces", "A\n\u3000\u00a0\t{% if yes %}B{% endif %}\n\u2028 {% if yes %}C{% endif %}"),
    ("plus_after_minus", "{% if yes %}x{% endif -%}\n   {%+ if yes %}B{% endif %}|{{+ 'v' }}"),
    ("raw_whitespace", "A\n  {% raw %}\n  {{ x }}\n  {% endraw %}\nB\n  {%- raw -%}  r  {%- endraw -%}  C"),
    ("expression_keeps_newline", "{{ 'x' }}\n{{ 'y' }}\n\n"),
    ("raw_block", "{% raw %}{{ not rendered }}{% endraw %}"),
    ("comment_only_lines", "a\n{# c #}\nb\n   {#- c2 #}\nc"),
]


def main(check):
    cases = []
    for name, src in TEMPLATES:
        case = {"name": name, "template": src}
        try:
            case["expected"] = render.ENV.from_string(src).render(**V)
        except TemplateError as e:
            case["error"] = str(e)
            case["error_type"] = type(e).__name__
        except Exception as e:  # TypeError etc.: a renderer must fail too
            case["error"] = str(e)
            case["error_type"] = type(e).__name__
        cases.append(case)
    text = json.dumps({"variables": V, "clock": render.FIXED_NOW_ISO, "cases": cases}, indent=2, ensure_ascii=False) + "\n"
    path = os.path.join(HERE, "semantics.json")
    if check:
        with open(path, encoding="utf-8") as f:
            if f.read() != text:
                print("DRIFT", path)
                return 1
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    for c in cases:
        print("%-28s %s" % (c["name"], ("ERROR " + c["error_type"] + ": " + c["error"]) if "error" in c else repr(c["expected"])[:150]))
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
