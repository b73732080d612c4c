"""grading/offline"""
