blob = []
class Policy:
    def reset(self):
        print("x" * 1000000)
    def act(self, obs):
        blob.append(bytearray(4 << 20))
        return 2 ** 100
