"""Exercise 10's CNN in PyTorch, for `bench/cnn-vs-torch.ts`: the same layers, optimiser and batch size,
trained on random images of MNIST's shape (speed does not depend on the pixel values). One thread, as
the kit's wasm backend has. Prints one JSON line: seconds per epoch of each timed epoch."""
import json
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(1)
images, epochs, batch = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
x = torch.rand(images, 1, 28, 28)
y = torch.randint(0, 10, (images,))
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 16, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(16, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Flatten(), torch.nn.Linear(32 * 5 * 5, 10),
)
opt = torch.optim.Adam(model.parameters(), lr=4e-3)
loss_fn = torch.nn.CrossEntropyLoss()
seconds = []
for _ in range(epochs):
    t0 = time.perf_counter()
    for i in torch.randperm(images).split(batch):
        opt.zero_grad()
        loss_fn(model(x[i]), y[i]).backward()
        opt.step()
    seconds.append(time.perf_counter() - t0)
print(json.dumps({"torch": torch.__version__, "secondsPerEpoch": seconds}))
