# CPU image of the lab: `docker build -t ganlab . && docker run -p 8000:8000 ganlab`
# Mirrors the README's set-up (pip install with constraints.txt), serving on 0.0.0.0 inside.
FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
RUN useradd --create-home --uid 10001 ganlab
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY gan_core ./gan_core
COPY server ./server
COPY web ./web
# The CPU build of torch lives on PyTorch's CPU index; everything else comes from PyPI.
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -c constraints.txt .
USER ganlab
EXPOSE 8000
CMD ["ganlab", "serve", "--host", "0.0.0.0", "--port", "8000", "--device", "cpu"]
