"""The benchmark harness: usersync against a bare Flask ceiling and scim2-server, interleaved.

From the repository root:

    python -m bench                      # every workload, 3 rounds, 100,000-user big store (~13 min)
    python -m bench --quick              # tiny sizes, 1 round: a smoke run
    python -m bench --only 'group-*' --rounds 5 --json figures.json
    python -m bench --list               # the workload keys
    python -m bench.hotspots get         # cProfile of one workload, in process
    python -m bench.hotspots get --live 5   # py-spy samples of the loaded server (pip install py-spy)

Three servers run as subprocesses on 127.0.0.1 with the same waitress thread count: usersync serve on a
fresh SQLite file, a bare Flask /hello app (bench.ceiling: the most a Flask + waitress app can do here) and
scim2-server in memory (bench.peer). Each round runs every workload on usersync, then the ceiling (GET
/hello for reads, POST /hello for writes), then the peer, so machine noise hits all three alike; the report
gives medians across rounds. Linux only: CPU time and memory come from /proc.
"""
