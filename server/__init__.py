"""GAN Lab's web server: one training session per websocket connection."""
