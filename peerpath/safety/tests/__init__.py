"""Tests for peerpath.safety."""
