# Tessera: the two set-up commands of the README, plus helpers.
#   make studio   installs missing system packages, builds in release mode, opens the studio
#   make test     installs missing system packages, runs the whole test suite
SWIFT ?= swift
APT_PACKAGES = libopenblas-dev libavformat-dev libavcodec-dev libswscale-dev libavutil-dev \
               libncursesw5-dev pkg-config ffmpeg tmux
BIN = .build/release/tessera

.PHONY: studio test build deps bench clean

studio: build
	env -u OPENBLAS_CORETYPE $(BIN)

build: deps
	$(SWIFT) build -c release

# Release mode: the numeric tests train small models and would crawl in debug.
test: deps
	$(SWIFT) build -c release --build-tests
	env -u OPENBLAS_CORETYPE $(SWIFT) test -c release --skip-build

bench: build
	env -u OPENBLAS_CORETYPE $(BIN) bench kernels

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

clean:
	rm -rf .build
