import os, sys
for attempt in (lambda: open("/etc/passwd").read(), lambda: os.listdir("/"),
                lambda: __import__("socket").socket(), lambda: os.system("id")):
    try:
        attempt()
    except BaseException as error:
        print(type(error).__name__)
sys.setrecursionlimit(100000)
def act(obs):
    return act(obs)
