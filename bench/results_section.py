"""Writes a bench stage's results into bench/RESULTS.md between its markers
("<!-- NAME:begin -->" and "<!-- NAME:end -->", appended at the end the
first time): the table as it is, then the plans in a folded block.

    results_section.py NAME TABLE_FILE PLANS_FILE
"""

import re
import sys


def main(name, table_path, plans_path, path="bench/RESULTS.md"):
    table = open(table_path).read()
    plans = open(plans_path).read()
    doc = open(path).read()
    begin, end = "<!-- %s:begin -->" % name, "<!-- %s:end -->" % name
    body = ("%s\n%s\n\n<details><summary>Plans (EXPLAIN ANALYZE BUFFERS, generic plans)"
            "</summary>\n\n```\n%s```\n\n</details>\n%s" % (begin, table, plans, end))
    if begin in doc:
        doc = re.sub(re.escape(begin) + ".*" + re.escape(end), lambda m: body, doc, flags=re.S)
    else:
        doc += "\n" + body + "\n"
    with open(path, "w") as f:
        f.write(doc)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
