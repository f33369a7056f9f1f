#!/usr/bin/env python3
"""Write the benchmark fixtures' files (deterministic: same bytes on every machine and run).

  fixture.py big DIR [--dirs 50] [--files 100] [--tasks 16]
      DIR/dNN/fNNN.txt (dirs x files, 200-500 bytes each), CLAUDE.md,
      .claude/tasks/task-NN.md (committed by the caller), .claude/contracts/api.md (left untracked).
  fixture.py dir DIR [--tasks 200]
      DIR/area/task-N/.keep and .claude/tasks/task-N.md with front matter `scope: [area/task-N]`.
"""
import argparse
import hashlib
import os

WORDS = (
    "agent branch commit merge worktree task contract scope verify queue parallel "
    "index tree blob object status clean spawn log state retry timeout lock"
).split()


def text(seed: str, size: int) -> str:
    """Pseudo-random lines of words, derived from `seed` only."""
    out, n = [], 0
    counter = 0
    while n < size:
        digest = hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
        line = " ".join(WORDS[b % len(WORDS)] for b in digest[:8]) + "\n"
        out.append(line)
        n += len(line)
    return "".join(out)[:size].rstrip("\n") + "\n"


def write(path: str, content: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="\n") as f:
        f.write(content)


def big(root: str, dirs: int, files: int, tasks: int) -> None:
    for d in range(dirs):
        for f in range(files):
            seed = f"d{d:02d}/f{f:03d}"
            size = 200 + int(hashlib.sha256(seed.encode()).hexdigest()[:4], 16) % 301
            write(os.path.join(root, f"d{d:02d}", f"f{f:03d}.txt"), text(seed, size))
    write(os.path.join(root, "CLAUDE.md"), "# Conventions\n\nKeep changes small. One task, one area.\n")
    for t in range(1, tasks + 1):
        write(
            os.path.join(root, ".claude", "tasks", f"task-{t:02d}.md"),
            f"# Task {t:02d}\n\nImplement feature {t:02d} in d{(t - 1) % dirs:02d}/.\n"
            "Follow the contract in .claude/contracts/api.md.\n",
        )
    write(
        os.path.join(root, ".claude", "contracts", "api.md"),
        "# Shared API\n\n" + text("contract", 600),
    )


def dir_mode(root: str, tasks: int) -> None:
    write(os.path.join(root, "README.md"), "# dir-mode fixture\n")
    for t in range(1, tasks + 1):
        write(os.path.join(root, "area", f"task-{t}", ".keep"), "")
        write(
            os.path.join(root, ".claude", "tasks", f"task-{t}.md"),
            f"---\nscope: [area/task-{t}]\n---\n# Task {t}\n\nWork in area/task-{t}/.\n",
        )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["big", "dir"])
    p.add_argument("root")
    p.add_argument("--dirs", type=int, default=50)
    p.add_argument("--files", type=int, default=100)
    p.add_argument("--tasks", type=int)
    a = p.parse_args()
    if a.kind == "big":
        big(a.root, a.dirs, a.files, a.tasks or 16)
    else:
        dir_mode(a.root, a.tasks or 200)


if __name__ == "__main__":
    main()
