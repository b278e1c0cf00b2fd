# components are added here by the issues that build them
