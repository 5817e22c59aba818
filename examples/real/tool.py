#!/usr/bin/env python3
"""A toy "model" for Concord's exec workers: `concord worker --exec 'python3 examples/real/tool.py'`.

Reads the prompt on stdin and answers on stdout, by the prompt's first word:
  #plan TEXT    -> a numbered plan for the function TEXT names
  #code ...     -> Python code of is_prime(n) (the plan, Concord put in the prompt, is ignored)
  #review CODE  -> one line: how many lines CODE has and which functions it defines
anything else   -> the prompt's words in reverse order.
Pure standard library, deterministic; tests/integration/worker_processes_test.cpp runs it.
"""
import re
import sys

CODE = '''def is_prime(n):
    if n < 2:
        return False
    i = 2
    while i * i <= n:
        if n % i == 0:
            return False
        i += 1
    return True
'''


def main():
    prompt = sys.stdin.read()
    head, _, rest = prompt.strip().partition("\n")
    word = head.split()[0] if head.split() else ""
    if word == "#plan":
        name = " ".join(head.split()[1:]) or "the function"
        print(f"1. handle n < 2\n2. try divisors up to sqrt(n)\n3. return the verdict for {name}")
    elif word == "#code":
        sys.stdout.write(CODE)
    elif word == "#review":
        functions = re.findall(r"^def (\w+)", rest, re.M)
        print(f"reviewed: {len(rest.splitlines())} lines; defines {', '.join(functions) or 'nothing'}")
    else:
        print(" ".join(reversed(prompt.split())))


if __name__ == "__main__":
    main()
