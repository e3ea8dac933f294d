# CPU image of the lab. For a class (students on the same network):
#   docker build -t ganlab .
#   docker run --rm -p 8000:8000 -e GANLAB_TOKEN=choose-a-secret ganlab
# then open http://THIS-MACHINE:8000/?token=choose-a-secret and press "Share with the class".
# Without GANLAB_TOKEN a token is generated and printed (`docker logs` shows the address).
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
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
# --public-url makes the watch links and QR codes point at the host's address, e.g.
#   docker run ... ganlab ganlab serve --host 0.0.0.0 --port 8000 --public-url http://192.168.1.20:8000
CMD ["ganlab", "serve", "--host", "0.0.0.0", "--port", "8000", "--device", "cpu"]
