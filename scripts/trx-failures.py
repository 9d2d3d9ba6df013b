#!/usr/bin/env python3
"""Prints each failed test in the given .trx files: its name and the first lines of its message."""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}

for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        print(f"{path}: unreadable ({e})")
        continue
    for result in root.iterfind(".//t:UnitTestResult", NS):
        if result.get("outcome") != "Failed":
            continue
        print(f"FAILED {result.get('testName')} ({result.get('duration')})")
        message = result.find(".//t:ErrorInfo/t:Message", NS)
        trace = result.find(".//t:ErrorInfo/t:StackTrace", NS)
        for text, limit in ((message, 25), (trace, 12)):
            if text is not None and text.text:
                for line in text.text.strip().splitlines()[:limit]:
                    print("    " + line[:400])
