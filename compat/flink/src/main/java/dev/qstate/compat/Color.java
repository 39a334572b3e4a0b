package dev.qstate.compat;

/** An enum for the types vectors and job (declaration order is the ordinal). */
public enum Color { RED, GREEN, BLUE }
