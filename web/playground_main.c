/* SPDX-License-Identifier: MIT */
/* The page's module has no program of its own: the worker calls the pg_ functions (playground.h). */
int main(void)
{
    return 0;
}
