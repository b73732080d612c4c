"""grading/llm"""
