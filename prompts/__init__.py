"""Prompt templates as package data (installed as ``govbrief_prompts``; read through ``rag.prompts``)."""
